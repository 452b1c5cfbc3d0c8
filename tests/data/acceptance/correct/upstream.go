package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// upstreamClient bounds every call to the pricing service.
var upstreamClient = &http.Client{Timeout: 10 * time.Second}

// FetchPrice asks the pricing service, under the caller's context, and closes the body.
func FetchPrice(ctx context.Context, url string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("build price request: %w", err)
	}
	resp, err := upstreamClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("fetch price: %w", err)
	}
	defer resp.Body.Close()
	var price struct {
		Amount float64 `json:"amount"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&price); err != nil {
		return 0, fmt.Errorf("decode price: %w", err)
	}
	return price.Amount, nil
}

// OrderIDs reads every id, closes the rows and checks the iteration's error.
func OrderIDs(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT id FROM orders")
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan order: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return ids, nil
}
