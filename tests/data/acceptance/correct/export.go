package orders

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
)

// writeExport checks the Close that reports a full disk.
func writeExport(file *os.File, orders []Order) error {
	w := csv.NewWriter(file)
	for _, order := range orders {
		if err := w.Write([]string{order.ID}); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("close export: %w", err)
	}
	return nil
}

// loadExport treats a missing file as empty, comparing with errors.Is.
func loadExport(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read export: %w", err)
	}
	return data, nil
}
