package orders

import (
	"context"
	"sync"
)

// pendingIDs closes the channel when the producer is done, so the range ends.
func pendingIDs(orders []Order) []string {
	ids := make(chan string)
	go func() {
		defer close(ids)
		for _, order := range orders {
			ids <- order.ID
		}
	}()
	var out []string
	for id := range ids {
		out = append(out, id)
	}
	return out
}

// runPool is a bounded worker pool: workers stop when the jobs channel is closed or the context
// is cancelled, and the caller waits for all of them.
func runPool(ctx context.Context, workers int, jobs <-chan Order, handle func(Order)) {
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case order, ok := <-jobs:
					if !ok {
						return
					}
					handle(order)
				}
			}
		}()
	}
	wg.Wait()
}
