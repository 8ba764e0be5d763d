package cli

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// nonceFile is a verifier's memory of the presentation nonces it accepted,
// per audience, until each presentation expires: a JSON file in the home's
// data folder, read and written under an exclusive lock.
type nonceFile struct{ path string }

// nonceFile is where this home keeps the nonces it accepted.
func (c *cmds) nonceFile() string {
	return filepath.Join(string(c.HomeDir()), "data", "credentials-nonces.json")
}

// use records (audience, nonce) until the given time and reports whether it
// was new. Expired entries are dropped as it goes.
func (n nonceFile) use(audience, nonce string, until time.Time) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(n.path), 0o700); err != nil {
		return false, err
	}
	lock, err := os.OpenFile(n.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return false, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return false, err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	seen := map[string]int64{}
	b, err := os.ReadFile(n.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, err
	default:
		if json.Unmarshal(b, &seen) != nil {
			seen = map[string]int64{} // a damaged file forgets, and is rewritten
		}
	}
	now := time.Now().Unix()
	for k, exp := range seen {
		if exp < now {
			delete(seen, k)
		}
	}
	key := audience + "|" + nonce
	if _, used := seen[key]; used {
		return false, nil
	}
	seen[key] = until.Unix()
	out, err := json.Marshal(seen)
	if err != nil {
		return false, err
	}
	tmp := n.path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, n.path)
}
