package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/slotmesh/slotmesh/contracts/apperr"
)

type healthOutput struct {
	Body struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks,omitempty"`
	}
}

func (s *Server) handleHealthz(_ context.Context, _ *struct{}) (*healthOutput, error) {
	out := &healthOutput{}
	out.Body.Status = "ok"
	return out, nil
}

// handleReadyz checks the NATS connection and pings every service the
// gateway fronts ($SRV.PING.<name>, answered by any instance).
func (s *Server) handleReadyz(ctx context.Context, _ *struct{}) (*healthOutput, error) {
	checks := map[string]string{}
	ready := true
	if st := s.nc.Status(); st != nats.CONNECTED {
		checks["nats"] = st.String()
		ready = false
	} else {
		checks["nats"] = "ok"
		// All at once: a slow or missing service costs one timeout, not one each.
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, name := range s.cfg.Services {
			wg.Go(func() {
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := s.nc.RequestWithContext(pctx, micro.APIPrefix+".PING."+name, nil)
				cancel()
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					checks[name] = "not answering: " + err.Error()
					ready = false
					return
				}
				checks[name] = "ok"
			})
		}
		wg.Wait()
	}
	if !ready {
		e := apperr.E(apperr.Unavailable, "not ready").With("checks", checks)
		return nil, &ErrorBody{Err: *e, status: http.StatusServiceUnavailable}
	}
	out := &healthOutput{}
	out.Body.Status = "ready"
	out.Body.Checks = checks
	return out, nil
}
