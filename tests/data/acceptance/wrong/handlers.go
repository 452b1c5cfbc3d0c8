package orders

import (
	"encoding/json"
	"net/http"
)

type Order struct {
	ID    string `json:"id"`
	Items []Item `json:"items"`
}

type Item struct {
	SKU   string `json:"sku"`
	Count int    `json:"count"`
}

// handleCreateOrder accepts an order and processes it in the background: nothing can cancel the
// work when the client goes away, and nothing waits for it on shutdown.
func handleCreateOrder(w http.ResponseWriter, r *http.Request) {
	var order Order
	if err := json.NewDecoder(r.Body).Decode(&order); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	go processAsync(order) // expect: goroutine-untracked
	w.WriteHeader(http.StatusAccepted)
}

func processAsync(order Order) {
	for range order.Items {
		reserveStock()
	}
}

func reserveStock() {}
