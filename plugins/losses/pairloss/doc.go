// Package pairloss is the engine behind snnlab's Barlow Twins style losses
// (ctl, btl, ncl and bt): it evaluates a sum of pair terms over the members
// of the two paths' embeddings, with its gradient, in bulk matrix products.
//
// The members of Z_A and Z_B, each [T, B, D], are numbered m = 0..T-1 for
// Z_A[m] and m = T..2T-1 for Z_B[m-T]. Every member is normalised once,
// per dimension over the batch:
//
//	N[b, i] = (Z[b, i] − mean_b Z[·, i]) / r_i,   r_i = sqrt(Σ_b (Z[b, i] − mean)² + ε²)
//
// (the mean is subtracted only when centring is on), so the cross-correlation
// of a pair is C = N_pᵀ N_q, a [D, D] matrix; centred, it is the Pearson
// correlation. The pair term is
//
//	ℓ = Σ_i (1 − C_ii)² + λ Σ_{i≠j} C_ij²          (invariance form "bt")
//	ℓ = Σ_i (1 − C_ii²) + λ Σ_{i≠j} C_ij²          (form "paper", as printed)
//
// and a loss is Σ ℓ over its pair list divided by its divisor (see Pairs).
//
// Two strategies compute the same numbers. Direct forms C for each first
// member p against all its partners in one GEMM, N_pᵀ·[N_q1 | N_q2 | …], and
// back-propagates with two more GEMMs. Gram uses the identity
// Σ_ij C_ij² = ⟨N_p N_pᵀ, N_q N_qᵀ⟩ and needs only one [B, B] Gram matrix per
// member, so it is much cheaper when B < D; its gradient is one GEMM per
// member, whatever the number of partners. Auto picks the cheaper one from
// the flop count.
//
// The package does not register any loss; the ctl, btl, ncl and bt
// packages do.
package pairloss
