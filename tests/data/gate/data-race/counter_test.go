package counter

import "testing"

func TestConcurrentInc(t *testing.T) {
	var c Counter
	done := make(chan struct{})
	go func() {
		c.Inc()
		close(done)
	}()
	c.Inc()
	<-done
	if c.Value() == 0 {
		t.Fatal("no increments counted")
	}
}
