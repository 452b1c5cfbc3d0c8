package orders

import (
	"net/http"

	"github.com/rs/zerolog/log"
)

// RequestLog logs every request through zerolog's global logger, with fields.
func RequestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		log.Info().Str("method", r.Method).Str("path", r.URL.Path).Msg("request")
	})
}
