package double

import "testing"

func TestDouble(t *testing.T) {
	if got := Double(2); got != 5 {
		t.Errorf("Double(2) = %d, want 5", got)
	}
}
