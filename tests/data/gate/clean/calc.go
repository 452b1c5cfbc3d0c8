// Package calc is the gate's clean fixture: it builds, vets, passes its tests without races,
// is fully covered, meets its benchmark target and is gofmt-ed.
package calc

// Add returns the sum of a and b.
func Add(a, b int) int {
	return a + b
}
