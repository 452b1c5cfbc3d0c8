// Package calc does not compile: the gate's build-error fixture.
package calc

// Add returns the sum of a and b.
func Add(a, b int) int {
	return a + "b"
}
