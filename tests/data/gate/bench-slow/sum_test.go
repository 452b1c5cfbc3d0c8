package sum

import "testing"

func TestInts(t *testing.T) {
	if got := Ints([]int{1, 2, 3}); got != 6 {
		t.Fatalf("Ints = %d, want 6", got)
	}
}

func BenchmarkInts(b *testing.B) {
	xs := make([]int, 1000)
	for i := 0; i < b.N; i++ {
		_ = Ints(xs)
	}
}
