package orders

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

type Order struct {
	ID    string `json:"id"`
	Items []Item `json:"items"`
}

type Item struct {
	SKU   string `json:"sku"`
	Count int    `json:"count"`
}

// handleCreateOrder bounds the work by the request: the goroutine gets a context with a timeout
// and the handler gives up when it expires.
func handleCreateOrder(w http.ResponseWriter, r *http.Request) {
	var order Order
	if err := json.NewDecoder(r.Body).Decode(&order); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	result := make(chan error, 1)
	go func() {
		result <- process(ctx, order)
	}()
	select {
	case err := <-result:
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	case <-ctx.Done():
		http.Error(w, "timed out", http.StatusGatewayTimeout)
	}
}

func process(ctx context.Context, order Order) error {
	for range order.Items {
		select {
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
	}
	return nil
}
