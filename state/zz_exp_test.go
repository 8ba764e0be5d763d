package state

import (
	"fmt"
	"sync"
	"testing"
)

func TestExpRace(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil { t.Fatal(err) }
	defer s.Close()
	s.Working().Set([]byte("k"), []byte("v0"))
	s.Commit()
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, v := range []int64{0, 1} {
				snap, err := s.Snapshot(v)
				if err != nil { t.Error(err); return }
				snap.Get([]byte("k"))
				snap.Iterate(nil, nil, func(k, v []byte) bool { return true })
			}
		}
	}()
	for i := 0; i < 200; i++ {
		s.Working().Set([]byte(fmt.Sprint("k", i)), []byte("v"))
		if _, _, err := s.Commit(); err != nil { t.Fatal(err) }
	}
	close(done)
	wg.Wait()
}
