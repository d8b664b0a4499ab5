//! The Cairo 1 syscalls: reading a request, charging its gas, serving it, writing the response.
//!
//! A syscall's request is `[selector, gas, fields…]` and its response, written after the
//! request, `[gas, 0, fields…]` or, on a failure the code may catch, `[gas, 1, revert data]`.
//! The gas charged is the protocol's cost of the syscall less what the compiler already
//! withdrew. A malformed request, or a syscall the protocol forbids where it is made, is a
//! fatal error instead.

mod calls;
pub(crate) mod crypto;
mod events;
mod info;
mod storage;

use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::errors::hint_errors::HintError;
use cairo_vm::vm::vm_core::VirtualMachine;
use starknet_api::core::{ClassHash, ContractAddress, PatriciaKey};
use starknet_api::state::StorageKey;
use starknet_types_core::felt::Felt;

pub(crate) use calls::deploy;

use super::hints::SyscallHintProcessor;
use super::{felt_text, short_string, ExecError, Tracked};
use crate::constants::Syscall;
use crate::state::StateKey;
use crate::tx_state::Interrupted;
use crate::u256::felt_to_u64;

/// Serving a syscall stopped the run (fatal or interrupted), or cairo-vm failed.
pub(super) enum ServeError {
    Stop(ExecError),
    Hint(HintError),
}

impl From<HintError> for ServeError {
    fn from(e: HintError) -> ServeError {
        ServeError::Hint(e)
    }
}

impl From<Interrupted> for ServeError {
    fn from(_: Interrupted) -> ServeError {
        ServeError::Stop(ExecError::Interrupted)
    }
}

impl From<ExecError> for ServeError {
    fn from(e: ExecError) -> ServeError {
        ServeError::Stop(e)
    }
}

impl From<cairo_vm::vm::errors::memory_errors::MemoryError> for ServeError {
    fn from(e: cairo_vm::vm::errors::memory_errors::MemoryError) -> ServeError {
        ServeError::Hint(HintError::Memory(e))
    }
}

pub(super) fn fatal(what: impl Into<String>) -> ServeError {
    ServeError::Stop(ExecError::Fatal(what.into()))
}

/// A syscall's result: response fields, or revert data the caller sees as a failure.
pub(super) enum Outcome {
    Ok(Vec<MaybeRelocatable>),
    Revert(Vec<Felt>),
}

pub(super) fn revert(reason: &str) -> Result<Outcome, ServeError> {
    Ok(Outcome::Revert(vec![short_string(reason)]))
}

/// Reads a request's fields in order.
pub(super) struct Reader<'a> {
    vm: &'a VirtualMachine,
    at: Relocatable,
}

impl Reader<'_> {
    fn next(&mut self) -> Result<Relocatable, ServeError> {
        let here = self.at;
        self.at = (self.at + 1_usize).map_err(HintError::Math)?;
        Ok(here)
    }

    pub(super) fn felt(&mut self) -> Result<Felt, ServeError> {
        let at = self.next()?;
        Ok(*self.vm.get_integer(at).map_err(HintError::Memory)?)
    }

    pub(super) fn ptr(&mut self) -> Result<Relocatable, ServeError> {
        let at = self.next()?;
        Ok(self.vm.get_relocatable(at).map_err(HintError::Memory)?)
    }

    pub(super) fn u64(&mut self, what: &str) -> Result<u64, ServeError> {
        felt_to_u64(self.felt()?).ok_or_else(|| fatal(what))
    }

    /// A u256 as (low, high) felts.
    pub(super) fn u256(&mut self) -> Result<(Felt, Felt), ServeError> {
        Ok((self.felt()?, self.felt()?))
    }

    pub(super) fn address(&mut self) -> Result<ContractAddress, ServeError> {
        let f = self.felt()?;
        PatriciaKey::try_from(f)
            .map(ContractAddress)
            .map_err(|_| fatal(format!("{f:#x} is out of range for a contract address")))
    }

    pub(super) fn storage_key(&mut self) -> Result<StorageKey, ServeError> {
        let f = self.felt()?;
        PatriciaKey::try_from(f)
            .map(StorageKey)
            .map_err(|_| fatal(format!("{f:#x} is out of range for a storage key")))
    }

    pub(super) fn class_hash(&mut self) -> Result<ClassHash, ServeError> {
        Ok(ClassHash(self.felt()?))
    }

    /// `[start, end]`: the felts between them (equal values, pointers or not, are empty).
    pub(super) fn array(&mut self) -> Result<Vec<Felt>, ServeError> {
        let (a, b) = (self.next()?, self.next()?);
        let (start, end) = (self.vm.get_maybe(&a), self.vm.get_maybe(&b));
        if start.is_some() && start == end {
            return Ok(Vec::new());
        }
        let start = self.vm.get_relocatable(a).map_err(HintError::Memory)?;
        let end = self.vm.get_relocatable(b).map_err(HintError::Memory)?;
        let len = (end - start).map_err(HintError::Math)?;
        if len > 1 << 24 {
            return Err(fatal("a syscall array is too long"));
        }
        Ok(self
            .vm
            .get_integer_range(start, len)
            .map_err(HintError::Memory)?
            .into_iter()
            .map(|f| *f)
            .collect())
    }

    /// Address domain 0 (the only one).
    pub(super) fn address_domain(&mut self) -> Result<(), ServeError> {
        let d = self.felt()?;
        if d != Felt::ZERO {
            return Err(fatal(format!("Invalid address domain: {d}.")));
        }
        Ok(())
    }
}

impl SyscallHintProcessor<'_, '_, '_, '_, '_> {
    pub(super) fn syscall(
        &mut self,
        vm: &mut VirtualMachine,
        ptr: Relocatable,
    ) -> Result<(), HintError> {
        match self.dispatch(vm, ptr) {
            Ok(()) => Ok(()),
            Err(ServeError::Stop(e)) => Err(self.stop(e)),
            Err(ServeError::Hint(h)) => Err(h),
        }
    }

    /// Nested calls draw on the phase's step budget as it stands now.
    pub(in crate::execution) fn sync_steps_out(&mut self) {
        self.ctx.steps_left = self.steps_left;
    }

    pub(in crate::execution) fn sync_steps_in(&mut self) {
        self.steps_left = self.ctx.steps_left;
    }

    fn dispatch(&mut self, vm: &mut VirtualMachine, ptr: Relocatable) -> Result<(), ServeError> {
        let selector = *vm.get_integer(ptr).map_err(HintError::Memory)?;
        let name = felt_text(&selector);
        let Some(syscall) = Syscall::from_name(&name) else {
            return Err(fatal(format!("Unknown syscall selector {selector:#x}.")));
        };
        if syscall != Syscall::Keccak {
            self.usage.entry(syscall).or_default().0 += 1;
        }
        if !Syscall::CAIRO1.contains(&syscall) || syscall == Syscall::KeccakRound {
            return Err(fatal(format!("Unsupported syscall selector {name}.")));
        }
        let mut reader = Reader {
            vm,
            at: (ptr + 1_usize).map_err(HintError::Math)?,
        };
        let gas = reader.u64("Unexpected gas.")?;
        let request = Request::read(syscall, &mut reader)?;
        let response_at = reader.at;
        let linear = request.linear_len();
        let constants = self.ctx.constants;
        let cost = constants.syscall_cost(syscall);
        let required = cost
            .base
            .saturating_add(cost.linear.saturating_mul(linear as u64))
            .saturating_sub(constants.syscall_base_gas_cost);
        if gas < required {
            return write_failure(vm, response_at, gas, &[short_string("Out of gas")]);
        }
        let mut remaining = gas - required;
        if self.frame.tracked == Tracked::SierraGas {
            self.ctx.last_seen_gas = remaining;
        }
        if linear > 0 {
            self.usage.entry(syscall).or_default().1 += linear;
        }
        *self.ctx.resources.syscalls.entry(name).or_default() += 1;
        match self.serve(vm, request, &mut remaining)? {
            Outcome::Ok(fields) => {
                let mut cells: Vec<MaybeRelocatable> =
                    vec![Felt::from(remaining).into(), Felt::ZERO.into()];
                cells.extend(fields);
                vm.load_data(response_at, &cells)?;
                Ok(())
            }
            Outcome::Revert(data) => write_failure(vm, response_at, remaining, &data),
        }
    }

    fn serve(
        &mut self,
        vm: &mut VirtualMachine,
        request: Request,
        gas: &mut u64,
    ) -> Result<Outcome, ServeError> {
        match request {
            Request::StorageRead { key } => self.storage_read(key),
            Request::StorageWrite { key, value } => self.storage_write(key, value),
            Request::CallContract {
                address,
                selector,
                calldata,
            } => self.call_contract(vm, address, selector, calldata, gas),
            Request::LibraryCall {
                class_hash,
                selector,
                calldata,
            } => self.library_call(vm, class_hash, selector, calldata, gas),
            Request::Deploy {
                class_hash,
                salt,
                calldata,
                from_zero,
            } => self.deploy_syscall(vm, class_hash, salt, calldata, from_zero, gas),
            Request::MetaTxV0 {
                address,
                selector,
                calldata,
                signature,
            } => self.meta_tx_v0(vm, address, selector, calldata, signature, gas),
            Request::EmitEvent { keys, data } => self.emit_event(keys, data),
            Request::SendMessageToL1 { to, payload } => self.send_message(to, payload),
            Request::GetExecutionInfo => {
                let info = self.execution_info(vm)?;
                Ok(Outcome::Ok(vec![info.into()]))
            }
            Request::GetBlockHash { number } => self.get_block_hash(number),
            Request::GetClassHashAt { address } => self.get_class_hash_at(address),
            Request::ReplaceClass { class_hash } => {
                if self
                    .state
                    .read(&StateKey::Class(class_hash))?
                    .class()
                    .is_some_and(|c| c.is_cairo0())
                {
                    return Err(fatal(format!(
                        "Cannot replace V1 class hash with V0 class hash: {:#x}.",
                        class_hash.0
                    )));
                }
                self.replace_class(class_hash)
            }
            Request::Keccak { input } => self.keccak(input, gas),
            Request::Sha256 { state, input } => self.sha256(vm, state, input),
            Request::Sha512 { state, input } => self.sha512(vm, state, input),
            Request::Secp(op) => self.secp(vm, op),
        }
    }

    /// Copies `data` into a new segment the code reads (not counted as memory holes) and
    /// returns `[start, end]`.
    pub(in crate::execution) fn read_only_span(
        &mut self,
        vm: &mut VirtualMachine,
        data: &[Felt],
    ) -> Result<[MaybeRelocatable; 2], ServeError> {
        let (start, end) = alloc(vm, data)?;
        self.read_only.push((start, data.len()));
        Ok([start.into(), end.into()])
    }
}

fn write_failure(
    vm: &mut VirtualMachine,
    at: Relocatable,
    gas: u64,
    data: &[Felt],
) -> Result<(), ServeError> {
    let (start, end) = alloc(vm, data)?;
    vm.load_data(
        at,
        &[
            Felt::from(gas).into(),
            Felt::ONE.into(),
            start.into(),
            end.into(),
        ],
    )?;
    Ok(())
}

/// Copies `data` into a new segment; returns its start and end.
pub(super) fn alloc(
    vm: &mut VirtualMachine,
    data: &[Felt],
) -> Result<(Relocatable, Relocatable), ServeError> {
    let start = vm.add_memory_segment();
    let cells: Vec<MaybeRelocatable> = data.iter().map(|f| (*f).into()).collect();
    let end = vm.load_data(start, &cells)?;
    Ok((start, end))
}

/// A parsed request.
pub(super) enum Request {
    StorageRead {
        key: StorageKey,
    },
    StorageWrite {
        key: StorageKey,
        value: Felt,
    },
    CallContract {
        address: ContractAddress,
        selector: Felt,
        calldata: Vec<Felt>,
    },
    LibraryCall {
        class_hash: ClassHash,
        selector: Felt,
        calldata: Vec<Felt>,
    },
    Deploy {
        class_hash: ClassHash,
        salt: Felt,
        calldata: Vec<Felt>,
        from_zero: bool,
    },
    MetaTxV0 {
        address: ContractAddress,
        selector: Felt,
        calldata: Vec<Felt>,
        signature: Vec<Felt>,
    },
    EmitEvent {
        keys: Vec<Felt>,
        data: Vec<Felt>,
    },
    SendMessageToL1 {
        to: Felt,
        payload: Vec<Felt>,
    },
    GetExecutionInfo,
    GetBlockHash {
        number: u64,
    },
    GetClassHashAt {
        address: ContractAddress,
    },
    ReplaceClass {
        class_hash: ClassHash,
    },
    Keccak {
        input: Vec<Felt>,
    },
    Sha256 {
        state: Relocatable,
        input: Relocatable,
    },
    Sha512 {
        state: Relocatable,
        input: Relocatable,
    },
    Secp(crypto::SecpOp),
}

impl Request {
    fn read(syscall: Syscall, r: &mut Reader<'_>) -> Result<Request, ServeError> {
        Ok(match syscall {
            Syscall::StorageRead => {
                r.address_domain()?;
                Request::StorageRead {
                    key: r.storage_key()?,
                }
            }
            Syscall::StorageWrite => {
                r.address_domain()?;
                Request::StorageWrite {
                    key: r.storage_key()?,
                    value: r.felt()?,
                }
            }
            Syscall::CallContract => Request::CallContract {
                address: r.address()?,
                selector: r.felt()?,
                calldata: r.array()?,
            },
            Syscall::LibraryCall => Request::LibraryCall {
                class_hash: r.class_hash()?,
                selector: r.felt()?,
                calldata: r.array()?,
            },
            Syscall::Deploy => {
                Request::Deploy {
                    class_hash: r.class_hash()?,
                    salt: r.felt()?,
                    calldata: r.array()?,
                    from_zero: match r.felt()? {
                        f if f == Felt::ZERO => false,
                        f if f == Felt::ONE => true,
                        _ => return Err(fatal(
                            "The deploy_from_zero field in the deploy system call must be 0 or 1.",
                        )),
                    },
                }
            }
            Syscall::MetaTxV0 => Request::MetaTxV0 {
                address: r.address()?,
                selector: r.felt()?,
                calldata: r.array()?,
                signature: r.array()?,
            },
            Syscall::EmitEvent => Request::EmitEvent {
                keys: r.array()?,
                data: r.array()?,
            },
            Syscall::SendMessageToL1 => Request::SendMessageToL1 {
                to: r.felt()?,
                payload: r.array()?,
            },
            Syscall::GetExecutionInfo => Request::GetExecutionInfo,
            Syscall::GetBlockHash => Request::GetBlockHash {
                number: r.u64("Block number must fit within 64 bits.")?,
            },
            Syscall::GetClassHashAt => Request::GetClassHashAt {
                address: r.address()?,
            },
            Syscall::ReplaceClass => Request::ReplaceClass {
                class_hash: r.class_hash()?,
            },
            Syscall::Keccak => Request::Keccak { input: r.array()? },
            Syscall::Sha256ProcessBlock => Request::Sha256 {
                state: r.ptr()?,
                input: r.ptr()?,
            },
            Syscall::Sha512ProcessBlock => Request::Sha512 {
                state: r.ptr()?,
                input: r.ptr()?,
            },
            other => Request::Secp(crypto::SecpOp::read(other, r)?),
        })
    }

    /// What the syscall's cost scales with.
    fn linear_len(&self) -> usize {
        match self {
            Request::Deploy { calldata, .. } | Request::MetaTxV0 { calldata, .. } => calldata.len(),
            Request::SendMessageToL1 { payload, .. } => payload.len(),
            _ => 0,
        }
    }
}
