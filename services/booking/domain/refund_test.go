package domain

import (
	"reflect"
	"testing"
)

func TestSplitRefund(t *testing.T) {
	t.Parallel()
	const dep = "booking:b:deposit"
	const top = "booking:b:update:2"
	const key = "booking:b:refund"
	tests := []struct {
		name    string
		amount  int64
		charges []Charge
		want    []RefundPart
		wantErr bool
	}{
		{"one charge, all of it", 4500,
			[]Charge{{Key: dep, Left: 4500}},
			[]RefundPart{{key, dep, 4500}}, false},
		{"a top-up: the newest charge first, then the deposit", 7500,
			[]Charge{{Key: dep, Left: 4500}, {Key: top, Left: 3000}},
			[]RefundPart{{key + "@" + top, top, 3000}, {key, dep, 4500}}, false},
		{"part of it comes from the top-up alone", 1500,
			[]Charge{{Key: dep, Left: 4500}, {Key: top, Left: 3000}},
			[]RefundPart{{key + "@" + top, top, 1500}}, false},
		{"a charge already partly given back", 5000,
			[]Charge{{Key: dep, Left: 2000}, {Key: top, Left: 3000}},
			[]RefundPart{{key + "@" + top, top, 3000}, {key, dep, 2000}}, false},
		{"a retry keeps the parts asked before and asks the rest", 7500,
			[]Charge{{Key: dep, Left: 4500}, {Key: top, Left: 0, Refunds: map[string]int64{key + "@" + top: 3000}}},
			[]RefundPart{{key + "@" + top, top, 3000}, {key, dep, 4500}}, false},
		{"a retry of a refund asked in full asks the same parts", 7500,
			[]Charge{{Key: dep, Left: 0, Refunds: map[string]int64{key: 4500}}, {Key: top, Left: 0, Refunds: map[string]int64{key + "@" + top: 3000}}},
			[]RefundPart{{key, dep, 4500}, {key + "@" + top, top, 3000}}, false},
		{"other refunds' keys do not count", 1000,
			[]Charge{{Key: dep, Left: 1000, Refunds: map[string]int64{"booking:b:update:1:refund": 500}}},
			[]RefundPart{{key, dep, 1000}}, false},
		{"the charges hold too little", 8000,
			[]Charge{{Key: dep, Left: 4500}, {Key: top, Left: 3000}}, nil, true},
		{"asked before for more than now", 1000,
			[]Charge{{Key: dep, Left: 0, Refunds: map[string]int64{key: 4500}}}, nil, true},
		{"no charge at all", 100, nil, nil, true},
		{"nothing to refund", 0, []Charge{{Key: dep, Left: 4500}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SplitRefund(key, dep, tt.amount, tt.charges)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parts %+v, want %+v", got, tt.want)
			}
			var sum int64
			for _, p := range got {
				sum += p.Amount
			}
			if err == nil && sum != tt.amount {
				t.Fatalf("parts add up to %d, want %d", sum, tt.amount)
			}
		})
	}
}
