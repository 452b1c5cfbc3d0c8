// Package hang has a test that outlives any small step timeout: the gate's timeout fixture.
package hang

import (
	"testing"
	"time"
)

func TestSleeps(t *testing.T) {
	time.Sleep(time.Minute)
	if testing.Short() {
		t.Skip("not reached in time")
	}
}
