package orders

import "errors"

var errNoOrders = errors.New("no orders")

// countShipped fans in: each goroutine sends its count, and one loop sums them.
func countShipped(batches [][]Order) int {
	counts := make(chan int, len(batches))
	for _, batch := range batches {
		go func() {
			counts <- len(batch)
		}()
	}
	total := 0
	for range batches {
		total += <-counts
	}
	return total
}

// averageItems returns an error for the input it cannot handle.
func averageItems(total, orders int) (int, error) {
	return divide(total, orders)
}

func divide(a, b int) (int, error) {
	if b == 0 {
		return 0, errNoOrders
	}
	return a / b, nil
}
