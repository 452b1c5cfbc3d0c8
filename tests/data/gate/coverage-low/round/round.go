// Package round is fully covered, so the least-covered list has more than one package.
package round

// Half rounds x/2 up.
func Half(x int) int {
	return (x + 1) / 2
}
