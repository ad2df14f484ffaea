package app

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// Login checks the credentials and issues a token. Unknown email and wrong
// password give the same answer, after the same hashing work.
func (a *App) Login(ctx context.Context, r user.LoginRequest) (token string, u domain.User, expires time.Time, err error) {
	bad := apperr.E(apperr.Unauthenticated, "invalid email or password")
	email, err := domain.NormalizeEmail(r.Email)
	if err != nil || len(r.Password) > domain.MaxPasswordLen {
		return "", domain.User{}, time.Time{}, bad
	}
	u, err = a.Repo.GetByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) {
		a.Hasher.Verify(r.Password, "") // spend the same time as a real check
		return "", domain.User{}, time.Time{}, bad
	}
	if err != nil {
		return "", domain.User{}, time.Time{}, err
	}
	if !a.Hasher.Verify(r.Password, u.PasswordHash) {
		return "", domain.User{}, time.Time{}, bad
	}
	token, expires, err = a.Tokens.Issue(u.ID, a.Clock.Now())
	if err != nil {
		return "", domain.User{}, time.Time{}, err
	}
	return token, u, expires, nil
}
