// Package web is the web app every medledger node serves at "/": an
// explorer of the chain, and a page for each person who uses medledger
// (the pharmacist who verifies a pack, the patient, the clinician, the
// supply partner). Its templates, styles and scripts are embedded in the
// binary; nothing is fetched at run time and there is no build step.
//
// The pages are HTML shells rendered from html/template; their data comes
// from the node's public REST API (/v1), read by the page's own script and
// put into the page as text (never as HTML), so a value from the chain
// cannot become markup. A person who acts (dispenses a pack, grants a
// consent, reads a record) opens their key file in the page: the page
// decrypts it, signs the transaction itself with WebCrypto and submits it
// to /v1/tx. The server never sees a private key.
//
// Each page is one folder under pages/ (see docs/web.md): page.json says
// its title, its place in the navigation and its paths; page.html holds its
// markup (the template "main"); page.js its behaviour. Adding a module's
// page is adding its folder: nothing here names a page.
//
// It MUST NOT serve anything under the API's prefixes (/v1/, /fhir,
// /epcis, /openapi.json): Handler passes every request it has no page for
// to the API unchanged. It holds no state and no keys.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
)

//go:embed layout.html static pages
var files embed.FS

// ContentSecurityPolicy is sent with every page and asset: scripts and
// styles only from this node's own files (no inline script or style, no
// eval), data only from this node's API, no frames, no plugins, forms
// posting only here.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; media-src 'self' blob:; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// reserved are the path prefixes of the API, which no page may claim.
var reserved = []string{"/v1", "/fhir", "/epcis", "/openapi.json", "/static"}

// Page is one page of the app, as its page.json describes it.
type Page struct {
	Name string `json:"-"` // its folder's name
	// Title is the page's heading and window title.
	Title string `json:"title"`
	// Nav is the page's label in the navigation bar; empty keeps it out.
	Nav string `json:"nav"`
	// Order places it in the navigation bar, lowest first.
	Order int `json:"order"`
	// Paths are the net/http patterns (GET) that show the page, e.g.
	// "/verify" or "/blocks/{height}"; "/" is the home page.
	Paths []string `json:"paths"`
	// Who says in a few words who the page is for, under the title.
	Who string `json:"who"`

	tmpl *template.Template
}

// Pages returns the app's pages, in navigation order.
func Pages() ([]Page, error) {
	layout, err := template.ParseFS(files, "layout.html")
	if err != nil {
		return nil, err
	}
	dirs, err := fs.ReadDir(files, "pages")
	if err != nil {
		return nil, err
	}
	var out []Page
	seen := map[string]string{}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		p, err := loadPage(layout, d.Name())
		if err != nil {
			return nil, err
		}
		for _, pat := range p.Paths {
			if other, dup := seen[pat]; dup {
				return nil, fmt.Errorf("web: pages %s and %s both claim %s", other, p.Name, pat)
			}
			seen[pat] = p.Name
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func loadPage(layout *template.Template, name string) (Page, error) {
	dir := "pages/" + name
	b, err := files.ReadFile(dir + "/page.json")
	if err != nil {
		return Page{}, fmt.Errorf("web: page %s: %w", name, err)
	}
	var p Page
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Page{}, fmt.Errorf("web: page %s: page.json: %w", name, err)
	}
	p.Name = name
	if p.Title == "" || len(p.Paths) == 0 {
		return Page{}, fmt.Errorf("web: page %s: page.json needs a title and at least one path", name)
	}
	for _, pat := range p.Paths {
		if !strings.HasPrefix(pat, "/") || strings.ContainsAny(pat, " \t") {
			return Page{}, fmt.Errorf("web: page %s: path %q must be a net/http path pattern starting with /", name, pat)
		}
		for _, r := range reserved {
			if pat == r || strings.HasPrefix(pat, r+"/") {
				return Page{}, fmt.Errorf("web: page %s: path %s is the API's (%s)", name, pat, r)
			}
		}
	}
	if _, err := fs.Stat(files, dir+"/page.js"); err != nil {
		return Page{}, fmt.Errorf("web: page %s: page.js: %w", name, err)
	}
	t, err := layout.Clone()
	if err != nil {
		return Page{}, err
	}
	if p.tmpl, err = t.ParseFS(files, dir+"/page.html"); err != nil {
		return Page{}, fmt.Errorf("web: page %s: %w", name, err)
	}
	if p.tmpl.Lookup("main") == nil {
		return Page{}, fmt.Errorf("web: page %s: page.html must define the template \"main\"", name)
	}
	return p, nil
}

// view is what the layout renders.
type view struct {
	Page
	Nav []Page
}

// Handler serves the app's pages and assets, and passes every other
// request to api (the node's REST API) untouched.
func Handler(api http.Handler) (http.Handler, error) {
	pages, err := Pages()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	var nav []Page
	for _, p := range pages {
		if p.Nav != "" {
			nav = append(nav, p)
		}
	}
	for _, p := range pages {
		v := view{Page: p, Nav: nav}
		for _, pat := range p.Paths {
			if pat == "/" {
				pat = "/{$}"
			}
			mux.HandleFunc("GET "+pat, func(w http.ResponseWriter, r *http.Request) { render(w, v) })
		}
	}
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", assets(http.FileServerFS(static))))
	mux.HandleFunc("GET /static/pages/{name}/page.js", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if name == "" || strings.ContainsAny(name, "./\\") {
			http.NotFound(w, r)
			return
		}
		b, err := files.ReadFile(path.Join("pages", name, "page.js"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		secure(w.Header())
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	})
	return &app{mux: mux, api: api}, nil
}

type app struct {
	mux *http.ServeMux
	api http.Handler
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	a.api.ServeHTTP(w, r)
}

// secure sets the headers every page and asset carries.
func secure(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
}

func assets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w.Header())
		w.Header().Set("Cache-Control", "no-cache")
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no folder listings
			return
		}
		next.ServeHTTP(w, r)
	})
}

func render(w http.ResponseWriter, v view) {
	var buf bytes.Buffer
	if err := v.tmpl.ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	secure(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
