package orders

import (
	"log"
	"net/http"
	"os"

	"github.com/rs/zerolog"
)

// NewLogger builds the module's structured logger.
func NewLogger() zerolog.Logger {
	return zerolog.New(os.Stderr).With().Timestamp().Logger()
}

// RequestLog logs every request, but through the standard library's printf logger.
func RequestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		log.Printf("%s %s", r.Method, r.URL.Path) // expect: unstructured-log
	})
}
