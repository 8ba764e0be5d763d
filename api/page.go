package api

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/medledger/medledger"
)

// DefaultPageSize and MaxPageSize bound list endpoints.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Page is one page of a list endpoint. NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Paginate cuts items (sorted by key) at ?cursor= (the key of the last item
// of the previous page) and ?limit=.
func Paginate[T any](r *http.Request, items []T, key func(T) string) (Page[T], error) {
	limit := DefaultPageSize
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return Page[T]{}, ErrBadRequest.New("limit %s must be 1 to %d", medledger.Quote(v), MaxPageSize)
		}
		limit = n
	}
	start := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > c })
	}
	end := min(start+limit, len(items))
	p := Page[T]{Items: items[start:end]}
	if p.Items == nil {
		p.Items = []T{}
	}
	if end < len(items) {
		p.NextCursor = key(items[end-1])
	}
	return p, nil
}

// WritePage answers the page of items r asks for (Paginate), or the
// problem of a bad cursor or limit.
func WritePage[T any](w http.ResponseWriter, r *http.Request, items []T, key func(T) string) {
	p, err := Paginate(r, items, key)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, p)
}
