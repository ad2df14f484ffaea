package ident

import "testing"

func TestIsUUID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"01900000-0000-7000-8000-00000000b00c", true},
		{"0190ABCD-EF00-7000-8000-00000000B00C", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"", false},
		{"01900000-0000-7000-8000-00000000b00", false},
		{"01900000-0000-7000-8000-00000000b00cc", false},
		{"01900000-0000-7000-8000_00000000b00c", false},
		{"0190000g-0000-7000-8000-00000000b00c", false},
		{"019000000-000-7000-8000-00000000b00c", false},
		{"0190000000007000800000000000b00c", false},
		{"{01900000-0000-7000-8000-00000000b00c}", false},
		{"urn:uuid:01900000-0000-7000-8000-00000000b00c", false},
		{"01900000-0000-7000-8000-00000000b0\u00e9", false},
	} {
		if got := IsUUID(tt.s); got != tt.want {
			t.Errorf("IsUUID(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
