package orders

import "sync"

// countShipped counts in ten goroutines by sharing a counter under a mutex instead of
// communicating the counts.
func countShipped(batches [][]Order) int {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		counter int
	)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() { // expect: shared-memory-counter
			defer wg.Done()
			mu.Lock()
			counter++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return counter
}

// averageItems panics on an expected, input-dependent condition instead of returning an error.
func averageItems(total, orders int) int {
	return divide(total, orders)
}

func divide(a, b int) int {
	if b == 0 {
		panic("division by zero") // expect: panic-control-flow
	}
	return a / b
}
