// Package lib is one module of the gate's workspace fixture.
package lib

// Twice returns 2x.
func Twice(x int) int {
	return 2 * x
}
