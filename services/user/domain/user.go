// Package domain holds the user aggregate and its invariants. No I/O.
package domain

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// Limits of user input.
const (
	MaxEmailLen    = 254
	MaxNameLen     = 100
	MinPasswordLen = 8
	MaxPasswordLen = 128 // bytes the hasher reads; longer inputs are a DoS vector
	MaxPhoneDigits = 15
	MinPhoneDigits = 7
)

// User is a person who books (and may manage vendors).
type User struct {
	ID           string
	Email        string // normalised: trimmed, lower-case
	Name         string
	Phone        string // E.164, optional
	PasswordHash string
	Version      int64 // +1 on every change; orders cache entries and events
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NewUser validates sign-up input and builds a user at version 1. The password
// is checked here but hashed by the caller (hash may be computed after).
func NewUser(id, email, name, phone, password string, now time.Time) (User, error) {
	var f apperr.Fields
	em, err := NormalizeEmail(email)
	if err != nil {
		f.Add("email", "%s", err.Error())
	}
	name = strings.TrimSpace(name)
	if msg := checkName(name); msg != "" {
		f.Add("name", "%s", msg)
	}
	phone = strings.TrimSpace(phone)
	if msg := checkPhone(phone); msg != "" {
		f.Add("phone", "%s", msg)
	}
	if msg := CheckPassword(password); msg != "" {
		f.Add("password", "%s", msg)
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	return User{ID: id, Email: em, Name: name, Phone: phone, Version: 1, CreatedAt: now, UpdatedAt: now}, nil
}

// Patch is a profile change; nil fields stay as they are.
type Patch struct {
	Name  *string
	Phone *string
}

// Apply validates and applies p, bumping the version when anything changed.
// It reports whether the user changed.
func (u *User) Apply(p Patch, now time.Time) (bool, error) {
	var f apperr.Fields
	next := *u
	if p.Name != nil {
		next.Name = strings.TrimSpace(*p.Name)
		if msg := checkName(next.Name); msg != "" {
			f.Add("name", "%s", msg)
		}
	}
	if p.Phone != nil {
		next.Phone = strings.TrimSpace(*p.Phone)
		if msg := checkPhone(next.Phone); msg != "" {
			f.Add("phone", "%s", msg)
		}
	}
	if err := f.Err(); err != nil {
		return false, err
	}
	if next.Name == u.Name && next.Phone == u.Phone {
		return false, nil
	}
	next.Version++
	next.UpdatedAt = now
	*u = next
	return true, nil
}

// NormalizeEmail accepts a bare address (no display name) and lower-cases it.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("is required")
	}
	if len(s) > MaxEmailLen {
		return "", fmt.Errorf("is longer than %d characters", MaxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", errBadEmail
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return "", errBadEmail
	}
	return strings.ToLower(s), nil
}

var errBadEmail = errors.New("is not a valid email address")

func checkName(s string) string {
	switch {
	case s == "":
		return "is required"
	case utf8.RuneCountInString(s) > MaxNameLen:
		return "is longer than 100 characters"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "contains control characters"
	}
	return ""
}

func checkPhone(s string) string {
	if s == "" {
		return ""
	}
	if s[0] != '+' {
		return "must be in E.164 form, e.g. +4930123456"
	}
	digits := s[1:]
	if len(digits) < MinPhoneDigits || len(digits) > MaxPhoneDigits || digits[0] == '0' {
		return "must be in E.164 form, e.g. +4930123456"
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "must be in E.164 form, e.g. +4930123456"
		}
	}
	return ""
}

// CheckPassword returns why a password is unacceptable, or "".
func CheckPassword(p string) string {
	switch {
	case utf8.RuneCountInString(p) < MinPasswordLen:
		return "must be at least 8 characters"
	case len(p) > MaxPasswordLen:
		return "must be at most 128 bytes"
	}
	return ""
}
