// Package counter increments without a lock: the gate's data-race fixture.
package counter

// Counter counts calls to Inc.
type Counter struct {
	n int
}

// Inc adds one; it is not safe for concurrent use, which is the point of this fixture.
func (c *Counter) Inc() {
	c.n++
}

// Value returns the count.
func (c *Counter) Value() int {
	return c.n
}
