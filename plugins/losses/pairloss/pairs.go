package pairloss

import "fmt"

// Pair is an unordered pair of member indices, P < Q. Member m < T is
// Z_A[m] and member m ≥ T is Z_B[m−T].
type Pair struct{ P, Q int }

// Pairs is the pair list of a loss and the number the sum of its pair
// terms is divided by.
type Pairs struct {
	List    []Pair
	Divisor float64
}

// PairsFunc builds the pair list for T time steps. It returns an error
// when T is too small for the loss.
type PairsFunc func(T int) (Pairs, error)

// CTL is the cross temporal loss: all T(2T−1) unordered pairs of the 2T
// members, divided by T.
func CTL(T int) (Pairs, error) {
	if T < 2 {
		return Pairs{}, fmt.Errorf("needs T ≥ 2 time steps to pair different steps, got T = %d; use ncl or bt for a single step", T)
	}
	var list []Pair
	for p := 0; p < 2*T; p++ {
		for q := p + 1; q < 2*T; q++ {
			list = append(list, Pair{p, q})
		}
	}
	return Pairs{List: list, Divisor: float64(T)}, nil
}

// BTL is the boundary temporal loss: the 6 pairs of {Z_A[0], Z_A[T−1],
// Z_B[0], Z_B[T−1]}, divided by 2.
func BTL(T int) (Pairs, error) {
	if T < 2 {
		return Pairs{}, fmt.Errorf("needs T ≥ 2 time steps because it pairs the first and the last step, got T = %d; use ncl or bt for a single step", T)
	}
	m := []int{0, T - 1, T, 2*T - 1}
	var list []Pair
	for i := range m {
		for j := i + 1; j < len(m); j++ {
			list = append(list, Pair{m[i], m[j]})
		}
	}
	return Pairs{List: list, Divisor: 2}, nil
}

// NCL is the non-cross temporal loss: the pairs (Z_A[t], Z_B[t]), summed.
func NCL(T int) (Pairs, error) {
	return stepPairs(T, 1)
}

// BT is the plain per-step Barlow Twins loss: the pairs (Z_A[t], Z_B[t]),
// averaged over T.
func BT(T int) (Pairs, error) {
	return stepPairs(T, float64(T))
}

func stepPairs(T int, divisor float64) (Pairs, error) {
	if T < 1 {
		return Pairs{}, fmt.Errorf("needs T ≥ 1 time step, got T = %d", T)
	}
	list := make([]Pair, T)
	for t := range list {
		list[t] = Pair{t, T + t}
	}
	return Pairs{List: list, Divisor: divisor}, nil
}
