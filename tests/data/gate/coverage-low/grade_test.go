package grade

import "testing"

func TestLetterA(t *testing.T) {
	if got := Letter(95); got != "A" {
		t.Fatalf("Letter(95) = %q, want A", got)
	}
}
