// Package double has one failing test: the gate's failing-test fixture.
package double

// Double returns twice x.
func Double(x int) int {
	return x * 2
}
