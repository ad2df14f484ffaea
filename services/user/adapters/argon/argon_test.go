package argon

import (
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	h := New(Params{MemoryKiB: 1024, Time: 1, Threads: 1})
	enc, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	enc2, _ := h.Hash("correct horse battery")
	if enc == enc2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	cases := []struct {
		password, encoded string
		want              bool
	}{
		{"correct horse battery", enc, true},
		{"correct horse battery", enc2, true},
		{"wrong", enc, false},
		{"correct horse battery", "", false},
		{"correct horse battery", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", false},
		{"correct horse battery", "$bcrypt$...", false},
		{"correct horse battery", strings.Replace(enc, "t=1", "t=2", 1), false},
	}
	for _, c := range cases {
		if got := h.Verify(c.password, c.encoded); got != c.want {
			t.Errorf("Verify(%q, %q) = %v, want %v", c.password, c.encoded, got, c.want)
		}
	}
}
