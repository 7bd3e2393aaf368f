// Command netcheck is the network probe of the cluster and Swarm tests, a static binary for images that have no
// working wget (Debian's busybox-static wget segfaults):
//
//	netcheck tcp HOST:PORT [TIMEOUT]   exit 0 if a TCP connection opens, 1 if not
//	netcheck http URL [TIMEOUT]        print the body; exit 1 on a transport error or a status of 400 or more
//	netcheck webhook ADDR              an Alertmanager webhook receiver on ADDR (e.g. :8080): every POST is
//	                                   counted and kept; GET /count prints the count, GET /received the bodies as
//	                                   a JSON list, GET /healthz prints ok
//
// TIMEOUT is a Go duration (default 5s). Usage errors exit 2.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

const usage = "usage: netcheck tcp HOST:PORT [TIMEOUT] | http URL [TIMEOUT] | webhook ADDR"

func main() {
	if len(os.Args) < 3 || len(os.Args) > 4 {
		fail(2, usage)
	}
	command, target := os.Args[1], os.Args[2]
	timeout := 5 * time.Second
	if len(os.Args) == 4 {
		parsed, err := time.ParseDuration(os.Args[3])
		if err != nil {
			fail(2, "netcheck: bad timeout %q: %v", os.Args[3], err)
		}
		timeout = parsed
	}
	switch command {
	case "tcp":
		checkTCP(target, timeout)
	case "http":
		checkHTTP(target, timeout)
	case "webhook":
		serveWebhook(target)
	default:
		fail(2, usage)
	}
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(code)
}

func checkTCP(address string, timeout time.Duration) {
	conn, err := net.DialTimeout("tcp", address, timeout)
	if err != nil {
		fail(1, "netcheck: tcp %s: %v", address, err)
	}
	conn.Close()
}

func checkHTTP(url string, timeout time.Duration) {
	client := http.Client{Timeout: timeout}
	response, err := client.Get(url)
	if err != nil {
		fail(1, "netcheck: http %s: %v", url, err)
	}
	defer response.Body.Close()
	if _, err := io.Copy(os.Stdout, response.Body); err != nil {
		fail(1, "netcheck: http %s: reading the body: %v", url, err)
	}
	if response.StatusCode >= 400 {
		fail(1, "netcheck: http %s: status %s", url, response.Status)
	}
}

// receiver keeps every notification it was sent; bodies that are JSON stay JSON in /received.
type receiver struct {
	mu     sync.Mutex
	bodies []json.RawMessage
}

func (r *receiver) receive(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST a notification here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !json.Valid(body) {
		body, _ = json.Marshal(string(body))
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
}

func (r *receiver) count(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(w, strconv.Itoa(len(r.bodies)))
}

func (r *receiver) received(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	bodies := r.bodies
	if bodies == nil {
		bodies = []json.RawMessage{}
	}
	json.NewEncoder(w).Encode(bodies)
}

func serveWebhook(address string) {
	r := &receiver{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", r.receive)
	mux.HandleFunc("GET /count", r.count)
	mux.HandleFunc("GET /received", r.received)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	fmt.Fprintf(os.Stderr, "netcheck: webhook receiver on %s\n", address)
	fail(1, "netcheck: webhook %s: %v", address, http.ListenAndServe(address, mux))
}
