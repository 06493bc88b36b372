package main

import "fmt"

// siCount formats a count with a decimal SI prefix: 25.56M, 4.09G.
func siCount(n int64) string {
	return siFloat(float64(n), "")
}

// siBytes formats bytes with decimal prefixes: 102.2 MB.
func siBytes(n int64) string {
	return siFloat(float64(n), "B")
}

func siFloat(x float64, unit string) string {
	prefixes := []struct {
		v float64
		p string
	}{{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}
	ax := x
	if ax < 0 {
		ax = -ax
	}
	for _, p := range prefixes {
		if ax >= p.v {
			if unit != "" {
				return fmt.Sprintf("%.4g %s%s", x/p.v, p.p, unit)
			}
			return fmt.Sprintf("%.4g%s", x/p.v, p.p)
		}
	}
	if unit != "" {
		return fmt.Sprintf("%.4g %s", x, unit)
	}
	return fmt.Sprintf("%.4g", x)
}
