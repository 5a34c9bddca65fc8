package probe

import (
	"math"
	"testing"
	"time"
)

// gaps draws n gaps between arrivals, in seconds.
func gaps(a Arrival, rate, burstiness float64, seed uint64, n int) []float64 {
	next := arrivals(a, rate, burstiness, seed)
	prev := next()
	out := make([]float64, n)
	for i := range out {
		at := next()
		out[i] = (at - prev).Seconds()
		prev = at
	}
	return out
}

func meanCV(xs []float64) (mean, cv float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v/float64(len(xs))) / mean
}

// TestArrivalsKeepTheRateAndTheirShape draws many gaps from each process:
// each keeps the mean 1/rate, and its spread is the distribution's (the
// coefficient of variation is 0 for constant, 1 for Poisson, 1/√k for a
// gamma of shape k).
func TestArrivalsKeepTheRateAndTheirShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a      Arrival
		k, cv  float64
		within float64
	}{
		{Constant, 0, 0, 1e-9},
		{Poisson, 0, 1, 0.05},
		{Gamma, 4, 0.5, 0.05},
		{Gamma, 0.25, 2, 0.15},
	}
	for _, tt := range tests {
		mean, cv := meanCV(gaps(tt.a, 20, tt.k, 7, 20000))
		if math.Abs(mean-0.05)/0.05 > 0.03 {
			t.Errorf("%s k=%g: mean gap %.4fs, want 0.05s (20/s)", tt.a, tt.k, mean)
		}
		if math.Abs(cv-tt.cv) > tt.within*math.Max(tt.cv, 1) {
			t.Errorf("%s k=%g: coefficient of variation %.3f, want %.3f", tt.a, tt.k, cv, tt.cv)
		}
	}
}

func TestArrivalsRepeatWithTheSeed(t *testing.T) {
	t.Parallel()
	a, b, c := gaps(Poisson, 10, 0, 3, 50), gaps(Poisson, 10, 0, 3, 50), gaps(Poisson, 10, 0, 4, 50)
	same, differ := true, false
	for i := range a {
		same = same && a[i] == b[i]
		differ = differ || a[i] != c[i]
	}
	if !same || !differ {
		t.Errorf("the same seed repeats: %v; another differs: %v", same, differ)
	}
	if first := arrivals(Poisson, 10, 0, 3)(); first != 0 {
		t.Errorf("the first request is due at %v, want at once", first)
	}
}

func TestShapeLevels(t *testing.T) {
	t.Parallel()
	closed := Shape{Concurrency: []int{1, 2, 4}}.Levels()
	open := Shape{Concurrency: []int{8}, Rate: []float64{5, 10}}.Levels()
	if len(closed) != 3 || closed[2] != (Load{Concurrency: 4}) || closed[0].Open() {
		t.Errorf("closed levels = %v", closed)
	}
	if len(open) != 2 || open[1] != (Load{Concurrency: 8, Rate: 10}) || !open[0].Open() {
		t.Errorf("open levels = %v", open)
	}
	if got := closed[0].String() + "; " + open[0].String(); got != "1 concurrent stream; 5 requests/s" {
		t.Errorf("names = %q", got)
	}
	if _, err := ParseArrival("bursty"); err == nil {
		t.Error("ParseArrival took bursty")
	}
}

func TestSpinStaysUnderATenthOfTheGap(t *testing.T) {
	t.Parallel()
	for rate, want := range map[float64]time.Duration{1: 1200 * time.Microsecond, 1000: 100 * time.Microsecond} {
		if got := spinFor(rate); got != want {
			t.Errorf("spinFor(%g) = %v, want %v", rate, got, want)
		}
	}
}
