package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// owners signs owners up once each (or finds them: a resumed run) and
// remembers their credential.
type owners struct {
	mu    sync.Mutex
	locks map[int]*sync.Mutex
	creds map[int]string
	get   func(ctx context.Context, o int) (string, error)
}

func newOwners(get func(ctx context.Context, o int) (string, error)) *owners {
	return &owners{locks: map[int]*sync.Mutex{}, creds: map[int]string{}, get: get}
}

func (w *owners) cred(ctx context.Context, o int, renew bool) (string, error) {
	w.mu.Lock()
	l := w.locks[o]
	if l == nil {
		l = &sync.Mutex{}
		w.locks[o] = l
	}
	w.mu.Unlock()
	l.Lock()
	defer l.Unlock()
	w.mu.Lock()
	c, ok := w.creds[o]
	w.mu.Unlock()
	if ok && !renew {
		return c, nil
	}
	c, err := w.get(ctx, o)
	if err != nil {
		return "", fmt.Errorf("owner %s: %w", OwnerEmail(o), err)
	}
	w.mu.Lock()
	w.creds[o] = c
	w.mu.Unlock()
	return c, nil
}

// NATS writes through the user and vendor services' typed clients, each
// write with its owner as the actor: what the gateway does after it checked
// the token, without HTTP, JSON re-encoding and the token check.
type NATS struct {
	users   *user.Client
	vendors *vendors.Client
	owners  *owners
}

// NewNATS returns a target on nc.
func NewNATS(nc *nats.Conn) *NATS {
	t := &NATS{users: user.NewClient(nc), vendors: vendors.NewClient(nc)}
	t.owners = newOwners(func(ctx context.Context, o int) (string, error) {
		u, err := t.users.SignUp(ctx, user.SignUpRequest{Email: OwnerEmail(o), Password: OwnerPassword, Name: fmt.Sprintf("Seed Owner %d", o)})
		if apperr.Is(err, apperr.Conflict) {
			u, err = t.users.Lookup(ctx, OwnerEmail(o))
		}
		return u.ID, err
	})
	return t
}

// CreateVendor implements Target.
func (t *NATS) CreateVendor(ctx context.Context, owner int, r vendors.CreateRequest) (string, error) {
	id, err := t.owners.cred(ctx, owner, false)
	if err != nil {
		return "", err
	}
	v, err := t.vendors.Create(natsrpc.WithActor(ctx, id), r)
	return v.ID, err
}

// AddUnits implements Target.
func (t *NATS) AddUnits(ctx context.Context, owner int, vendorID string, units []vendors.NewUnit) error {
	id, err := t.owners.cred(ctx, owner, false)
	if err != nil {
		return err
	}
	_, err = t.vendors.AddUnits(natsrpc.WithActor(ctx, id), vendors.AddUnitsRequest{VendorID: vendorID, Units: units})
	return err
}

// HTTP writes through the gateway's public API as the apps do: sign up,
// log in, POST /v1/vendors, POST /v1/vendors/{id}/units. An expired token is
// renewed once.
type HTTP struct {
	base   string
	client *http.Client
	owners *owners
}

// NewHTTP returns a target on the gateway at base (e.g. http://localhost:8080).
func NewHTTP(base string, client *http.Client) *HTTP {
	t := &HTTP{base: strings.TrimRight(base, "/"), client: client}
	t.owners = newOwners(func(ctx context.Context, o int) (string, error) {
		err := t.do(ctx, "", http.MethodPost, "/v1/users", map[string]string{
			"email": OwnerEmail(o), "password": OwnerPassword, "name": fmt.Sprintf("Seed Owner %d", o)}, nil)
		if err != nil && !apperr.Is(err, apperr.Conflict) {
			return "", err
		}
		var s struct {
			Token string `json:"token"`
		}
		err = t.do(ctx, "", http.MethodPost, "/v1/sessions", map[string]string{"email": OwnerEmail(o), "password": OwnerPassword}, &s)
		return s.Token, err
	})
	return t
}

// CreateVendor implements Target.
func (t *HTTP) CreateVendor(ctx context.Context, owner int, r vendors.CreateRequest) (string, error) {
	var v struct {
		ID string `json:"id"`
	}
	err := t.authed(ctx, owner, http.MethodPost, "/v1/vendors", r.Profile, &v)
	return v.ID, err
}

// AddUnits implements Target.
func (t *HTTP) AddUnits(ctx context.Context, owner int, vendorID string, units []vendors.NewUnit) error {
	return t.authed(ctx, owner, http.MethodPost, "/v1/vendors/"+vendorID+"/units", map[string]any{"units": units}, nil)
}

func (t *HTTP) authed(ctx context.Context, owner int, method, path string, in, out any) error {
	tok, err := t.owners.cred(ctx, owner, false)
	if err != nil {
		return err
	}
	err = t.do(ctx, tok, method, path, in, out)
	if apperr.Is(err, apperr.Unauthenticated) {
		if tok, err = t.owners.cred(ctx, owner, true); err != nil {
			return err
		}
		err = t.do(ctx, tok, method, path, in, out)
	}
	return err
}

// do sends one JSON request; a non-2xx answer becomes the *apperr.Error its
// body carries.
func (t *HTTP) do(ctx context.Context, token, method, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return apperr.E(apperr.Unavailable, "%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return apperr.E(apperr.Unavailable, "%s %s: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error apperr.Error `json:"error"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" {
			e.Error = apperr.Error{Code: apperr.Internal, Message: fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, raw)}
		}
		e.Error.Message = fmt.Sprintf("%s %s: %s", method, path, e.Error.Message)
		return &e.Error
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
