// Package domain holds the search service's rules: great-circle distance,
// the grid cells the embedded index files vendors under, and which of a
// vendor's start times are free for a party. No I/O.
package domain

import "math"

// EarthRadiusKm is the mean earth radius (IUGG), the one every engine uses.
const EarthRadiusKm = 6371.0088

// kmPerDegree is the length of one degree of a great circle.
const kmPerDegree = EarthRadiusKm * math.Pi / 180

// DistanceKm is the great-circle (haversine) distance between two points.
func DistanceKm(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Grid levels: a vendor is filed under its cell at each level; a query reads
// the cells of the level that suits its radius.
const (
	LevelFine   = 0 // cells ~2 km on a side
	LevelCoarse = 1 // cells ~10 km on a side
)

// Levels are the grid levels, finest first.
var Levels = []int{LevelFine, LevelCoarse}

// CellKm is the side of a cell at each level.
var CellKm = [...]float64{LevelFine: 2, LevelCoarse: 10}

// LevelFor is the level a query of radius r reads: fine cells up to 5 km
// (a 5 km disc is about 36 of them), coarse beyond.
func LevelFor(radiusKm float64) int {
	if radiusKm <= 5 {
		return LevelFine
	}
	return LevelCoarse
}

// A grid level cuts the earth into latitude bands of CellKm height; each
// band into equal longitude steps as close to CellKm wide as its
// equator-side edge allows (at least one per band). A cell id is
// band*cellBase + column.
const cellBase = 1 << 20

type grid struct {
	latStep float64 // degrees
	bands   int
}

func gridOf(level int) grid {
	step := CellKm[level] / kmPerDegree
	return grid{latStep: step, bands: int(math.Ceil(180 / step))}
}

func (g grid) band(lat float64) int {
	b := int(math.Floor((lat + 90) / g.latStep))
	return min(max(b, 0), g.bands-1)
}

// columns is how many cells band b has.
func (g grid) columns(b int) int {
	lo := -90 + float64(b)*g.latStep
	hi := lo + g.latStep
	edge := math.Min(math.Abs(lo), math.Abs(hi)) // the equator-side edge
	if lo <= 0 && hi >= 0 {
		edge = 0
	}
	n := int(math.Floor(360 * math.Cos(edge*math.Pi/180) / g.latStep))
	return min(max(n, 1), cellBase-1)
}

func (g grid) column(b int, lng float64) int {
	n := g.columns(b)
	c := int(math.Floor((lng + 180) / 360 * float64(n)))
	return ((c % n) + n) % n
}

// Cell is the id of the cell holding a point at a level.
func Cell(level int, lat, lng float64) int64 {
	g := gridOf(level)
	b := g.band(lat)
	return int64(b)*cellBase + int64(g.column(b, lng))
}

// Cover lists the cells, at a level, that together contain every point
// within radiusKm of (lat, lng): a superset, each cell once, nearest band
// first. It copes with the poles and the antimeridian.
func Cover(level int, lat, lng, radiusKm float64) []int64 {
	g := gridOf(level)
	dLat := radiusKm / kmPerDegree
	// The widest longitude extent of a spherical cap of angular radius d
	// around latitude phi: asin(sin d / cos phi); all longitudes when the
	// cap holds a pole.
	d := radiusKm / EarthRadiusKm
	phi := lat * math.Pi / 180
	allLng := lat+dLat >= 90 || lat-dLat <= -90 || d >= math.Pi/2
	var dLng float64
	if !allLng {
		x := math.Sin(d) / math.Cos(phi)
		if x >= 1 {
			allLng = true
		} else {
			dLng = math.Asin(x) * 180 / math.Pi
		}
	}
	b0, b1 := g.band(math.Max(lat-dLat, -90)), g.band(math.Min(lat+dLat, 90))
	center := g.band(lat)
	out := make([]int64, 0, 64)
	add := func(b int) {
		n := g.columns(b)
		if allLng || 2*dLng >= 360 {
			for c := 0; c < n; c++ {
				out = append(out, int64(b)*cellBase+int64(c))
			}
			return
		}
		first := int(math.Floor((lng - dLng + 180) / 360 * float64(n)))
		last := int(math.Floor((lng + dLng + 180) / 360 * float64(n)))
		if last-first+1 >= n {
			first, last = 0, n-1
		}
		for c := first; c <= last; c++ {
			out = append(out, int64(b)*cellBase+int64(((c%n)+n)%n))
		}
	}
	add(center)
	for k := 1; center-k >= b0 || center+k <= b1; k++ {
		if center-k >= b0 {
			add(center - k)
		}
		if center+k <= b1 {
			add(center + k)
		}
	}
	return out
}
