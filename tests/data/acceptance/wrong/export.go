package orders

import (
	"encoding/csv"
	"os"
)

// writeExport writes the orders as CSV into a file the caller opened for writing; a failed Close
// is where a full disk shows up, and it is ignored here.
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
	file.Close() // expect: unchecked-error
	return nil
}
