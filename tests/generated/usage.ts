// Typecheck-only (never run): proves pkg-template/operations.d.ts catches the mistakes it should.
// tests/generated/typecheck.test.mjs runs `tsc --strict --noEmit` over this file and requires exit 0,
// which also proves that every `@ts-expect-error` below really is an error.
import type {
  NestedCluster,
  OperationBody,
  OperationName,
  OperationResponse,
  Vm,
  VmStatus,
  WithTask_Vm_,
  WithTask_Vm_Array_,
} from "../../pkg-template/operations.js";

declare function call<Op extends OperationName>(op: Op, body: OperationBody<Op>): Promise<OperationResponse<Op>>;

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export async function usage(): Promise<void> {
  // Positive: a typical query compiles and returns Vm[].
  const vms: Vm[] = await call("get-vms", { where: { name_contains: "web" }, first: 10 });
  const vm = vms[0];

  // Nullable relation: NestedCluster | null (optional, so | undefined too).
  const cluster: NestedCluster | null | undefined = vm.cluster;
  // @ts-expect-error cluster may be null: it must not be assignable to plain NestedCluster
  const notNull: NestedCluster = vm.cluster;

  // Numbers declared as int/double are plain `number`: fractions are fine.
  const usage: number | null | undefined = vm.memory_usage;
  const fraction: number = vm.memory_usage ?? 0.75;
  vm.memory_usage = 0.123;
  vm.vcpu = 1.5; // declared int32, still number
  type _memoryIsNumber = Assert<Equals<NonNullable<Vm["memory_usage"]>, number>>;

  // Enums are string-literal unions.
  const status: VmStatus = vm.status;
  // @ts-expect-error not a VmStatus
  const badStatus: VmStatus = "RUNING";

  // Mutations: start-vm returns WithTask_Vm_[].
  const started: WithTask_Vm_[] = await call("start-vm", { where: { id: vm.id } });
  type _startVm = Assert<Equals<OperationResponse<"start-vm">, WithTask_Vm_[]>>;
  const taskId: string | null | undefined = started[0].task_id;

  // Sanitized schema name (spec: `WithTask_Vm-Array_`).
  const arr: WithTask_Vm_Array_ = { task_id: null, data: vms };

  // GET / no-body operations.
  const version: string = await call("get-version", undefined);
  type _versionBody = Assert<Equals<OperationBody<"get-version">, void>>;
  const changes = await call("resource-changes", { limit: 100, resource_type: "Vm" });
  const revision: string = changes.currentRevision;

  // Login needs no token and returns a WithTask object.
  const login = await call("login", { username: "admin", password: "x", source: "LOCAL" });
  const token: string = login.data.token;

  // @ts-expect-error wrong field type in where
  await call("get-vms", { where: { name: 1 } });
  // @ts-expect-error misspelled top-level field
  await call("get-vms", { wehre: {} });
  // @ts-expect-error misspelled where field
  await call("get-vms", { where: { nmae: "x" } });
  // @ts-expect-error unknown operation
  await call("get-vmz", {});
  // @ts-expect-error first must be a number
  await call("get-vms", { first: "10" });
  // @ts-expect-error get-version takes no body
  await call("get-version", { x: 1 });
  // @ts-expect-error login requires a password
  await call("login", { username: "admin" });
  // @ts-expect-error not a UserSource
  await call("login", { username: "admin", password: "x", source: "LDAPS" });
  // @ts-expect-error response is Vm[], not a single Vm
  const wrong: Vm = await call("get-vms", {});

  void [cluster, notNull, usage, fraction, status, badStatus, taskId, arr, version, revision, token, wrong];
}
