package domain

import (
	"fmt"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// Unit is a table or a room.
type Unit struct {
	ID        string
	VendorID  string
	Name      string
	Capacity  int
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewUnitInput is one unit to add.
type NewUnitInput struct {
	Name     string
	Capacity int
}

// NewUnits validates a bulk addition: each name 1..100 characters and unique
// within the request, each capacity 1..100, 1..MaxUnitsPerCall units.
// Problems name the unit's index (units[i].field).
func NewUnits(vendorID string, in []NewUnitInput, newID func() string, now time.Time) ([]Unit, error) {
	var f apperr.Fields
	switch {
	case len(in) == 0:
		return nil, apperr.Field("units", "at least one unit is required")
	case len(in) > MaxUnitsPerCall:
		return nil, apperr.Field("units", "at most %d units per request", MaxUnitsPerCall)
	}
	out := make([]Unit, 0, len(in))
	seen := make(map[string]int, len(in))
	for i, u := range in {
		name := strings.TrimSpace(u.Name)
		if msg := checkText(name, MaxUnitNameLen); msg != "" {
			f.Add(fmt.Sprintf("units[%d].name", i), "%s", msg)
		} else if j, dup := seen[name]; dup {
			f.Add(fmt.Sprintf("units[%d].name", i), "%q repeats units[%d].name", name, j)
		}
		seen[name] = i
		if msg := CheckCapacity(u.Capacity); msg != "" {
			f.Add(fmt.Sprintf("units[%d].capacity", i), "%s", msg)
		}
		if len(f) >= 20 { // enough to act on; do not build a megabyte of errors
			break
		}
		out = append(out, Unit{ID: newID(), VendorID: vendorID, Name: name, Capacity: u.Capacity, Active: true, CreatedAt: now, UpdatedAt: now})
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckCapacity returns why a capacity is unacceptable, or "".
func CheckCapacity(c int) string {
	if c < MinCapacity || c > MaxCapacity {
		return fmt.Sprintf("must be between %d and %d", MinCapacity, MaxCapacity)
	}
	return ""
}

// UnitPatch renames, resizes or (de)activates a unit.
type UnitPatch struct {
	Name     *string
	Capacity *int
	Active   *bool
}

// Apply validates and applies p; it reports whether anything changed.
func (u *Unit) Apply(p UnitPatch, now time.Time) (bool, error) {
	var f apperr.Fields
	next := *u
	if p.Name != nil {
		next.Name = strings.TrimSpace(*p.Name)
		if msg := checkText(next.Name, MaxUnitNameLen); msg != "" {
			f.Add("name", "%s", msg)
		}
	}
	if p.Capacity != nil {
		next.Capacity = *p.Capacity
		if msg := CheckCapacity(next.Capacity); msg != "" {
			f.Add("capacity", "%s", msg)
		}
	}
	if p.Active != nil {
		next.Active = *p.Active
	}
	if err := f.Err(); err != nil {
		return false, err
	}
	if next == *u {
		return false, nil
	}
	next.UpdatedAt = now
	*u = next
	return true, nil
}
