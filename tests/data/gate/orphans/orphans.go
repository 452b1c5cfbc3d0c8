// Package orphans has a test that starts a helper process and then outlives any small step
// timeout: the fixture for stopping a step's whole process group.
package orphans

// Twice doubles n.
func Twice(n int) int { return 2 * n }
