//! The hashing and curve syscalls: `keccak`, `sha256_process_block`, `sha512_process_block`,
//! and `secp256k1_*` / `secp256r1_*` (points held by the call, named by handles).

use std::collections::HashMap;

use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::errors::hint_errors::HintError;
use cairo_vm::vm::vm_core::VirtualMachine;
use num_bigint::BigUint;
use starknet_types_core::felt::Felt;

use super::{fatal, revert, Outcome, Reader, ServeError};
use crate::constants::Syscall;
use crate::execution::hints::SyscallHintProcessor;
use crate::u256::felt_to_u64;

/// The two curves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    K1,
    R1,
}

impl Curve {
    /// The order of the curve's base field: coordinates must be below it.
    fn base_modulus(self) -> BigUint {
        match self {
            Curve::K1 => modulus::<ark_secp256k1::Fq>(),
            Curve::R1 => modulus::<ark_secp256r1::Fq>(),
        }
    }
}

/// A secp request.
pub(crate) enum SecpOp {
    New {
        curve: Curve,
        x: BigUint,
        y: BigUint,
    },
    Add {
        curve: Curve,
        p0: Relocatable,
        p1: Relocatable,
    },
    Mul {
        curve: Curve,
        p: Relocatable,
        scalar: BigUint,
    },
    FromX {
        curve: Curve,
        x: BigUint,
        odd: bool,
    },
    GetXy {
        curve: Curve,
        p: Relocatable,
    },
}

fn u256(r: &mut Reader<'_>) -> Result<BigUint, ServeError> {
    let (low, high) = r.u256()?;
    let (low, high) = (low.to_biguint(), high.to_biguint());
    let bound = BigUint::from(1u8) << 128;
    if low >= bound || high >= bound {
        return Err(fatal("a u256 half exceeds 128 bits"));
    }
    Ok(low + (high << 128))
}

impl SecpOp {
    pub(super) fn read(syscall: Syscall, r: &mut Reader<'_>) -> Result<SecpOp, ServeError> {
        use Syscall::*;
        let curve = match syscall {
            Secp256k1New
            | Secp256k1Add
            | Secp256k1Mul
            | Secp256k1GetPointFromX
            | Secp256k1GetXy => Curve::K1,
            Secp256r1New
            | Secp256r1Add
            | Secp256r1Mul
            | Secp256r1GetPointFromX
            | Secp256r1GetXy => Curve::R1,
            other => {
                return Err(fatal(format!(
                    "Unsupported syscall selector {}.",
                    other.name()
                )))
            }
        };
        Ok(match syscall {
            Secp256k1New | Secp256r1New => SecpOp::New {
                curve,
                x: u256(r)?,
                y: u256(r)?,
            },
            Secp256k1Add | Secp256r1Add => SecpOp::Add {
                curve,
                p0: r.ptr()?,
                p1: r.ptr()?,
            },
            Secp256k1Mul | Secp256r1Mul => SecpOp::Mul {
                curve,
                p: r.ptr()?,
                scalar: u256(r)?,
            },
            Secp256k1GetPointFromX | Secp256r1GetPointFromX => {
                let x = u256(r)?;
                let odd = match r.felt()? {
                    f if f == Felt::ZERO => false,
                    f if f == Felt::ONE => true,
                    _ => return Err(fatal("Invalid y parity")),
                };
                SecpOp::FromX { curve, x, odd }
            }
            _ => SecpOp::GetXy { curve, p: r.ptr()? },
        })
    }
}

/// What one call holds: its secp points and its hash output segments.
#[derive(Default)]
pub(crate) struct CryptoState {
    points: Option<Relocatable>,
    k1: HashMap<Relocatable, Affine<ark_secp256k1::Config>>,
    r1: HashMap<Relocatable, Affine<ark_secp256r1::Config>>,
    sha256_out: Option<Relocatable>,
    sha512_out: Option<Relocatable>,
}

fn field_of<F: PrimeField>(v: &BigUint) -> F {
    F::from_le_bytes_mod_order(&v.to_bytes_le())
}

fn biguint_of<F: PrimeField>(f: &F) -> BigUint {
    BigUint::from_bytes_le(&f.into_bigint().to_bytes_le())
}

fn modulus<F: PrimeField>() -> BigUint {
    BigUint::from_bytes_le(&F::MODULUS.to_bytes_le())
}

/// `(x, y)` as a point: `None` if it is not on the curve; `(0, 0)` is the point at infinity.
fn new_point<C: SWCurveConfig>(x: &BigUint, y: &BigUint) -> Option<Affine<C>>
where
    C::BaseField: PrimeField,
{
    if *x == BigUint::ZERO && *y == BigUint::ZERO {
        return Some(Affine::identity());
    }
    let p = Affine::<C>::new_unchecked(field_of(x), field_of(y));
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

fn point_from_x<C: SWCurveConfig>(x: &BigUint, odd: bool) -> Option<Affine<C>>
where
    C::BaseField: PrimeField,
{
    let (a, b) = Affine::<C>::get_ys_from_x_unchecked(field_of(x))?;
    let y = if biguint_of(&a).bit(0) == odd { a } else { b };
    Some(Affine::new_unchecked(field_of(x), y))
}

fn xy<C: SWCurveConfig>(p: &Affine<C>) -> (BigUint, BigUint)
where
    C::BaseField: PrimeField,
{
    match p.xy() {
        Some((x, y)) => (biguint_of(&x), biguint_of(&y)),
        None => (BigUint::ZERO, BigUint::ZERO),
    }
}

fn u256_cells(v: &BigUint) -> [MaybeRelocatable; 2] {
    let mask = (BigUint::from(1u8) << 128) - 1u8;
    let low = Felt::from(&(v & &mask));
    let high = Felt::from(&(v >> 128));
    [low.into(), high.into()]
}

impl CryptoState {
    /// A handle for a new point (every handle is 6 cells apart in one segment).
    fn handle(&mut self, vm: &mut VirtualMachine) -> Result<Relocatable, ServeError> {
        let base = *self.points.get_or_insert_with(|| vm.add_memory_segment());
        let id = self.k1.len() + self.r1.len();
        Ok((base + 6 * id).map_err(HintError::Math)?)
    }
}

const ROUND_WORDS: usize = 17;

impl SyscallHintProcessor<'_, '_, '_, '_, '_> {
    pub(super) fn keccak(
        &mut self,
        input: Vec<Felt>,
        gas: &mut u64,
    ) -> Result<Outcome, ServeError> {
        let mut words = Vec::with_capacity(input.len());
        for f in &input {
            words.push(
                felt_to_u64(*f).ok_or_else(|| fatal("Invalid input for the keccak syscall."))?,
            );
        }
        if words.len() % ROUND_WORDS != 0 {
            return revert("Invalid input length");
        }
        let rounds = words.len() / ROUND_WORDS;
        let cost = (rounds as u64)
            .saturating_mul(self.ctx.constants.syscall_cost(Syscall::KeccakRound).base);
        if cost > *gas {
            return revert("Out of gas");
        }
        *gas -= cost;
        let mut lanes = [0u64; 25];
        for block in words.chunks(ROUND_WORDS) {
            for (lane, w) in lanes.iter_mut().zip(block) {
                *lane ^= *w;
            }
            keccak::f1600(&mut lanes);
        }
        self.usage.entry(Syscall::Keccak).or_default().0 += rounds;
        let low = (lanes[0] as u128) | ((lanes[1] as u128) << 64);
        let high = (lanes[2] as u128) | ((lanes[3] as u128) << 64);
        Ok(Outcome::Ok(vec![
            Felt::from(low).into(),
            Felt::from(high).into(),
        ]))
    }

    fn words(
        vm: &VirtualMachine,
        at: Relocatable,
        n: usize,
        bits: u32,
    ) -> Result<Vec<u64>, ServeError> {
        let cells = vm.get_integer_range(at, n).map_err(HintError::Memory)?;
        cells
            .iter()
            .map(|f| {
                felt_to_u64(**f)
                    .filter(|w| bits == 64 || *w < (1u64 << bits))
                    .ok_or_else(|| fatal(format!("a sha word is not a u{bits}")))
            })
            .collect()
    }

    pub(super) fn sha256(
        &mut self,
        vm: &mut VirtualMachine,
        state: Relocatable,
        input: Relocatable,
    ) -> Result<Outcome, ServeError> {
        let block = Self::words(vm, input, 16, 32)?;
        let mut h: [u32; 8] = [0; 8];
        for (slot, w) in h.iter_mut().zip(Self::words(vm, state, 8, 32)?) {
            *slot = w as u32;
        }
        let mut bytes = [0u8; 64];
        for (chunk, w) in bytes.chunks_mut(4).zip(&block) {
            chunk.copy_from_slice(&(*w as u32).to_be_bytes());
        }
        sha2::compress256(&mut h, &[bytes.into()]);
        let cells: Vec<MaybeRelocatable> = h.iter().map(|w| Felt::from(*w).into()).collect();
        let at = next_output(&mut self.crypto.sha256_out, vm, 8)?;
        vm.load_data(at, &cells)?;
        Ok(Outcome::Ok(vec![at.into()]))
    }

    pub(super) fn sha512(
        &mut self,
        vm: &mut VirtualMachine,
        state: Relocatable,
        input: Relocatable,
    ) -> Result<Outcome, ServeError> {
        let block = Self::words(vm, input, 16, 64)?;
        let mut h: [u64; 8] = [0; 8];
        for (slot, w) in h.iter_mut().zip(Self::words(vm, state, 8, 64)?) {
            *slot = w;
        }
        let mut bytes = [0u8; 128];
        for (chunk, w) in bytes.chunks_mut(8).zip(&block) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
        sha2::compress512(&mut h, &[bytes.into()]);
        let cells: Vec<MaybeRelocatable> = h.iter().map(|w| Felt::from(*w).into()).collect();
        let at = next_output(&mut self.crypto.sha512_out, vm, 8)?;
        vm.load_data(at, &cells)?;
        Ok(Outcome::Ok(vec![at.into()]))
    }

    pub(super) fn secp(
        &mut self,
        vm: &mut VirtualMachine,
        op: SecpOp,
    ) -> Result<Outcome, ServeError> {
        type K1 = ark_secp256k1::Config;
        type R1 = ark_secp256r1::Config;
        match op {
            SecpOp::New { curve, x, y } => {
                let p = curve.base_modulus();
                if x >= p || y >= p {
                    return revert("Invalid argument");
                }
                let handle = match curve {
                    Curve::K1 => match new_point::<K1>(&x, &y) {
                        Some(point) => Some(self.k1_handle(vm, point)?),
                        None => None,
                    },
                    Curve::R1 => match new_point::<R1>(&x, &y) {
                        Some(point) => Some(self.r1_handle(vm, point)?),
                        None => None,
                    },
                };
                Ok(optional(handle))
            }
            SecpOp::FromX { curve, x, odd } => {
                if x >= curve.base_modulus() {
                    return revert("Invalid argument");
                }
                let handle = match curve {
                    Curve::K1 => match point_from_x::<K1>(&x, odd) {
                        Some(point) => Some(self.k1_handle(vm, point)?),
                        None => None,
                    },
                    Curve::R1 => match point_from_x::<R1>(&x, odd) {
                        Some(point) => Some(self.r1_handle(vm, point)?),
                        None => None,
                    },
                };
                Ok(optional(handle))
            }
            SecpOp::Add { curve, p0, p1 } => match curve {
                Curve::K1 => {
                    let (a, b) = (self.k1_point(p0)?, self.k1_point(p1)?);
                    let handle = self.k1_handle(vm, (a + b).into_affine())?;
                    Ok(Outcome::Ok(vec![handle.into()]))
                }
                Curve::R1 => {
                    let (a, b) = (self.r1_point(p0)?, self.r1_point(p1)?);
                    let handle = self.r1_handle(vm, (a + b).into_affine())?;
                    Ok(Outcome::Ok(vec![handle.into()]))
                }
            },
            SecpOp::Mul { curve, p, scalar } => match curve {
                Curve::K1 => {
                    let a = self.k1_point(p)?;
                    let s: ark_secp256k1::Fr = field_of(&scalar);
                    let handle = self.k1_handle(vm, (a * s).into_affine())?;
                    Ok(Outcome::Ok(vec![handle.into()]))
                }
                Curve::R1 => {
                    let a = self.r1_point(p)?;
                    let s: ark_secp256r1::Fr = field_of(&scalar);
                    let handle = self.r1_handle(vm, (a * s).into_affine())?;
                    Ok(Outcome::Ok(vec![handle.into()]))
                }
            },
            SecpOp::GetXy { curve, p } => {
                let (x, y) = match curve {
                    Curve::K1 => xy(&self.k1_point(p)?),
                    Curve::R1 => xy(&self.r1_point(p)?),
                };
                let mut cells = u256_cells(&x).to_vec();
                cells.extend(u256_cells(&y));
                Ok(Outcome::Ok(cells))
            }
        }
    }

    fn k1_point(&self, at: Relocatable) -> Result<Affine<ark_secp256k1::Config>, ServeError> {
        self.crypto
            .k1
            .get(&at)
            .copied()
            .ok_or_else(|| fatal("Invalid Secp point address"))
    }

    fn r1_point(&self, at: Relocatable) -> Result<Affine<ark_secp256r1::Config>, ServeError> {
        self.crypto
            .r1
            .get(&at)
            .copied()
            .ok_or_else(|| fatal("Invalid Secp point address"))
    }

    fn k1_handle(
        &mut self,
        vm: &mut VirtualMachine,
        p: Affine<ark_secp256k1::Config>,
    ) -> Result<Relocatable, ServeError> {
        let handle = self.crypto.handle(vm)?;
        self.crypto.k1.insert(handle, p);
        Ok(handle)
    }

    fn r1_handle(
        &mut self,
        vm: &mut VirtualMachine,
        p: Affine<ark_secp256r1::Config>,
    ) -> Result<Relocatable, ServeError> {
        let handle = self.crypto.handle(vm)?;
        self.crypto.r1.insert(handle, p);
        Ok(handle)
    }
}

/// `[0, handle]` for a point, `[1, 0]` for none.
fn optional(handle: Option<Relocatable>) -> Outcome {
    match handle {
        Some(h) => Outcome::Ok(vec![Felt::ZERO.into(), h.into()]),
        None => Outcome::Ok(vec![Felt::ONE.into(), Felt::ZERO.into()]),
    }
}

/// The next `n` cells of a per-call output segment (created on first use).
fn next_output(
    segment: &mut Option<Relocatable>,
    vm: &mut VirtualMachine,
    n: usize,
) -> Result<Relocatable, ServeError> {
    let at = *segment.get_or_insert_with(|| vm.add_memory_segment());
    *segment = Some((at + n).map_err(HintError::Math)?);
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: &str) -> BigUint {
        BigUint::parse_bytes(h.as_bytes(), 16).unwrap()
    }

    type K1 = ark_secp256k1::Config;
    type R1 = ark_secp256r1::Config;

    #[test]
    fn secp256k1_points() {
        let (gx, gy) = (
            hex("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"),
            hex("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8"),
        );
        let g = new_point::<K1>(&gx, &gy).expect("the generator is on the curve");
        assert!(new_point::<K1>(&BigUint::from(1u8), &BigUint::from(2u8)).is_none());
        let infinity = new_point::<K1>(&BigUint::ZERO, &BigUint::ZERO).unwrap();
        assert!(infinity.is_zero());
        assert_eq!(xy(&infinity), (BigUint::ZERO, BigUint::ZERO));
        // The root of the right parity (gy is even).
        assert_eq!(
            xy(&point_from_x::<K1>(&gx, false).unwrap()),
            (gx.clone(), gy.clone())
        );
        let (_, odd_y) = xy(&point_from_x::<K1>(&gx, true).unwrap());
        assert_eq!(odd_y, modulus::<ark_secp256k1::Fq>() - &gy);
        // 2G, by addition and by multiplication.
        let two_g_x = hex("C6047F9441ED7D6D3045406E95C07CD85C778E4B8CEF3CA7ABAC09B95C709EE5");
        assert_eq!(xy(&(g + g).into_affine()).0, two_g_x);
        let two: ark_secp256k1::Fr = field_of(&BigUint::from(2u8));
        assert_eq!(xy(&(g * two).into_affine()).0, two_g_x);
        // n·G is the point at infinity (the scalar reduces mod n to 0).
        let n: ark_secp256k1::Fr = field_of(&modulus::<ark_secp256k1::Fr>());
        assert!((g * n).into_affine().is_zero());
    }

    #[test]
    fn secp256r1_points() {
        let (gx, gy) = (
            hex("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"),
            hex("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5"),
        );
        let g = new_point::<R1>(&gx, &gy).expect("the generator is on the curve");
        assert!(new_point::<R1>(&gx, &(gy.clone() + 1u8)).is_none());
        assert_eq!(
            xy(&point_from_x::<R1>(&gx, true).unwrap()),
            (gx.clone(), gy.clone())
        );
        let two_g_x = hex("7CF27B188D034F7E8A52380304B51AC3C08969E277F21B35A60B48FC47669978");
        assert_eq!(xy(&(g + g).into_affine()).0, two_g_x);
    }

    #[test]
    fn sha256_compresses_one_block() {
        // "abc", padded: one block; from the initial state it gives SHA-256("abc").
        let mut state: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut block = [0u8; 64];
        block[..3].copy_from_slice(b"abc");
        block[3] = 0x80;
        block[63] = 24;
        sha2::compress256(&mut state, &[block.into()]);
        assert_eq!(
            state,
            [
                0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61,
                0xf20015ad
            ]
        );
    }
}
