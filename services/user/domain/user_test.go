package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"Alice@Example.COM", "alice@example.com", true},
		{"  bob@example.org ", "bob@example.org", true},
		{"", "", false},
		{"not-an-email", "", false},
		{"Alice <alice@example.com>", "", false},
		{"alice@localhost", "", false},
		{"alice@example.", "", false},
		{"@example.com", "", false},
		{strings.Repeat("a", 250) + "@x.io", "", false},
	}
	for _, c := range cases {
		got, err := NormalizeEmail(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestNewUserNamesEveryBadField(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cases := []struct {
		name                          string
		email, uname, phone, password string
		fields                        []string
	}{
		{"valid", "a@b.co", "Ann", "+4930123456", "correct horse", nil},
		{"valid without phone", "a@b.co", "Ann", "", "correct horse", nil},
		{"bad email", "nope", "Ann", "", "correct horse", []string{"email"}},
		{"empty name", "a@b.co", "  ", "", "correct horse", []string{"name"}},
		{"long name", "a@b.co", strings.Repeat("x", 101), "", "correct horse", []string{"name"}},
		{"control char", "a@b.co", "A\x00nn", "", "correct horse", []string{"name"}},
		{"bad phone", "a@b.co", "Ann", "030123", "correct horse", []string{"phone"}},
		{"short password", "a@b.co", "Ann", "", "short", []string{"password"}},
		{"huge password", "a@b.co", "Ann", "", strings.Repeat("p", 129), []string{"password"}},
		{"everything", "", "", "x", "", []string{"email", "name", "phone", "password"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			u, err := NewUser("id", c.email, c.uname, c.phone, c.password, now)
			if len(c.fields) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if u.Version != 1 || u.Email != strings.ToLower(strings.TrimSpace(c.email)) {
					t.Fatalf("bad user: %+v", u)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput {
				t.Fatalf("want invalid_input, got %v", err)
			}
			probs, _ := e.Details["fields"].([]apperr.FieldProblem)
			var got []string
			for _, p := range probs {
				got = append(got, p.Field)
			}
			if strings.Join(got, ",") != strings.Join(c.fields, ",") {
				t.Fatalf("fields = %v, want %v (%v)", got, c.fields, err)
			}
			if e.Details["field"] != c.fields[0] {
				t.Fatalf("field = %v, want %s", e.Details["field"], c.fields[0])
			}
		})
	}
}

func TestApplyBumpsVersionOnlyOnChange(t *testing.T) {
	t.Parallel()
	now := time.Now()
	u, err := NewUser("id", "a@b.co", "Ann", "", "password1", now)
	if err != nil {
		t.Fatal(err)
	}
	same := "Ann"
	changed, err := u.Apply(Patch{Name: &same}, now)
	if err != nil || changed || u.Version != 1 {
		t.Fatalf("no-op patch: changed=%v err=%v version=%d", changed, err, u.Version)
	}
	other := "Anna"
	changed, err = u.Apply(Patch{Name: &other}, now)
	if err != nil || !changed || u.Version != 2 || u.Name != "Anna" {
		t.Fatalf("patch: changed=%v err=%v user=%+v", changed, err, u)
	}
	bad := ""
	if _, err := u.Apply(Patch{Name: &bad}, now); !apperr.Is(err, apperr.InvalidInput) {
		t.Fatalf("empty name: %v", err)
	}
	if u.Name != "Anna" || u.Version != 2 {
		t.Fatalf("failed patch changed the user: %+v", u)
	}
}
