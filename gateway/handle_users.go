package gateway

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/user"
)

// UserOut is a user's profile as the API shows it.
type UserOut struct {
	ID        string    `json:"id" doc:"User id (UUID)"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type userOutput struct {
	Body UserOut
}

func userOut(u user.User) *userOutput {
	return &userOutput{Body: UserOut{ID: u.ID, Email: u.Email, Name: u.Name, Phone: u.Phone, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}}
}

type signUpInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" doc:"Email address; stored lower-case" example:"ann@example.com"`
		Password string `json:"password" maxLength:"128" doc:"At least 8 characters"`
		Name     string `json:"name" maxLength:"400" doc:"Display name, 1..100 characters"`
		Phone    string `json:"phone,omitempty" maxLength:"32" doc:"E.164, e.g. +4930123456"`
	}
}

func (s *Server) handleSignUp(ctx context.Context, in *signUpInput) (*userOutput, error) {
	u, err := s.users.SignUp(ctx, user.SignUpRequest{Email: in.Body.Email, Password: in.Body.Password, Name: in.Body.Name, Phone: in.Body.Phone})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return userOut(u), nil
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254"`
		Password string `json:"password" maxLength:"1024"`
	}
}

type loginOutput struct {
	Body struct {
		Token     string    `json:"token" doc:"Bearer token (EdDSA JWT)"`
		UserID    string    `json:"user_id"`
		ExpiresAt time.Time `json:"expires_at"`
	}
}

func (s *Server) handleLogin(ctx context.Context, in *loginInput) (*loginOutput, error) {
	refund, err := s.takeLoginAttempt(ctx, in.Body.Email)
	if err != nil {
		return nil, err
	}
	res, err := s.users.Login(ctx, user.LoginRequest{Email: in.Body.Email, Password: in.Body.Password})
	if err != nil {
		if ae, ok := apperr.As(err); !ok || ae.Code != apperr.Unauthenticated {
			refund() // only a wrong password counts against the account
		}
		return nil, s.fail(ctx, err)
	}
	refund()
	out := &loginOutput{}
	out.Body.Token, out.Body.UserID, out.Body.ExpiresAt = res.Token, res.UserID, res.ExpiresAt
	return out, nil
}

func (s *Server) handleGetMe(ctx context.Context, _ *struct{}) (*userOutput, error) {
	u, err := s.users.Get(ctx, actor(ctx))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return userOut(u), nil
}

type updateMeInput struct {
	Body struct {
		Name  *string `json:"name,omitempty" maxLength:"400"`
		Phone *string `json:"phone,omitempty" maxLength:"32" doc:"E.164; empty string removes it"`
	}
}

func (s *Server) handleUpdateMe(ctx context.Context, in *updateMeInput) (*userOutput, error) {
	id := actor(ctx)
	u, err := s.users.Update(ctx, user.UpdateRequest{ID: id, Name: in.Body.Name, Phone: in.Body.Phone})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return userOut(u), nil
}
