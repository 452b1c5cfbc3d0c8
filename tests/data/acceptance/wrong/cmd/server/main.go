package main

import (
	"log"
	"net"
	"net/http"
	"time"
)

func main() {
	lis, _ := net.Listen("tcp", ":8080") // expect: discarded-error
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.Serve(lis)) // expect: no-graceful-shutdown
}
