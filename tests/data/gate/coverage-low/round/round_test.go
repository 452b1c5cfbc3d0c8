package round

import "testing"

func TestHalf(t *testing.T) {
	if got := Half(3); got != 2 {
		t.Fatalf("Half(3) = %d, want 2", got)
	}
}
