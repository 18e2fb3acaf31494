// The seeded inventory: clusters, hosts, VMs and a short task history, shaped exactly like the
// spec's Cluster, Host, Vm and Task schemas (every required field, spec enums only, nullable
// fields sometimes null, fractional numbers where the quantity is fractional).
// Same seed and size → same objects in the same order → same bytes.

import { createRandom, createIdFactory } from "./random.mjs";
import { FAILING_VM_NAME } from "./accounts.mjs";

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
// Fake clock of the seeded world: ids and timestamps derive from it, never from Date.now().
const BASE_TIME = Date.UTC(2023, 2, 1);
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
const iso = (ms) => new Date(ms).toISOString();
/** Byte counts the spec types as double really are fractional on CloudTower (averaged samples). */
const withFraction = (rng, x) => Math.floor(x) + rng.fraction(0.01, 0.99, 2);

const CLUSTER_NAMES = ["sh-prod-01", "bj-prod-02", "sz-dev-01", "hz-dr-01", "gz-test-01", "cd-edge-01", "wh-lab-01", "xa-backup-01"];
const CPU_MODELS = ["Cascadelake-Server", "Skylake-Server", "Icelake-Server", "Dhyana"];
const CPU_BRANDS = {
  "Cascadelake-Server": ["Intel", "Intel(R) Xeon(R) Gold 6230R CPU @ 2.10GHz", 2_100_000_000],
  "Skylake-Server": ["Intel", "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", 2_200_000_000],
  "Icelake-Server": ["Intel", "Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz", 2_000_000_000],
  Dhyana: ["Hygon", "Hygon C86 7285 32-core Processor", 2_000_000_000],
};
const HOST_MODELS = ["SMTX HCI X-2100", "Dell PowerEdge R740", "Inspur NF5280M6", "H3C UniServer R4900 G3"];
// [role, windows?] – names like web-prod-3, db-07, ad-dc-1.
const ROLES = [
  ["web", false], ["api", false], ["db", false], ["cache", false], ["mq", false], ["worker", false],
  ["k8s-node", false], ["ci-runner", false], ["lb", false], ["monitor", false], ["log", false],
  ["backup", false], ["jump", false], ["gitlab", false], ["harbor", false], ["es", false],
  ["kafka", false], ["redis", false], ["pg", false], ["etl", false], ["ad-dc", true],
  ["win-desk", true], ["sqlsrv", true], ["exchange", true], ["file", true],
];
const ENVS = ["prod", "prod", "staging", "test", "dev", "dr", "", ""];
const LINUX_OS = [
  ["CentOS Linux 7 (Core)", "3.10.0-1160.el7.x86_64"],
  ["Rocky Linux 9.2 (Blue Onyx)", "5.14.0-284.11.1.el9_2.x86_64"],
  ["Ubuntu 22.04.3 LTS", "5.15.0-86-generic"],
  ["openEuler 22.03 (LTS-SP1)", "5.10.0-136.12.0.86.oe2203sp1.x86_64"],
  ["Kylin Linux Advanced Server V10 (Sword)", "4.19.90-52.22.v2207.ky10.x86_64"],
  ["Debian GNU/Linux 12 (bookworm)", "6.1.0-13-amd64"],
];
const WINDOWS_OS = ["Microsoft Windows Server 2019 Datacenter", "Microsoft Windows Server 2022 Standard", "Microsoft Windows 10 Enterprise"];
const LABELS = [["env", "prod"], ["env", "staging"], ["env", "dev"], ["team", "web"], ["team", "data"], ["team", "infra"], ["backup", "daily"], ["legacy", null]];
const DESCRIPTIONS = ["", "", "", "", "Managed by Terraform", "Owner: platform team", "Do not power off without a change ticket", "临时测试机"];
const MEMORY_GIB = [1, 2, 4, 4, 8, 8, 16, 32, 64];
const DISK_GIB = [20, 40, 60, 100, 200, 500, 1024];
// VMs share one frozen empty list for relations that stay empty: 100,000 VMs would otherwise
// allocate a million arrays at startup.
const NONE = Object.freeze([]);

/** Status counters a VM contributes to its cluster and host (see countVm). */
const STATUS_COUNTERS = { RUNNING: "running_vm_num", STOPPED: "stopped_vm_num", SUSPENDED: "suspended_vm_num" };

/**
 * Builds the inventory.
 * @param {{seed: number|string, vms: number, taskUser: {id: string, name: string}}} options
 */
export function buildInventory({ seed, vms: vmCount, taskUser }) {
  if (!Number.isInteger(vmCount) || vmCount < 1) throw new RangeError(`vms must be a positive integer, got ${vmCount}`);
  const rng = createRandom(seed);
  let clock = BASE_TIME;
  const newId = createIdFactory({ clock: () => clock, randomChars: rng.chars, fingerprint: rng.chars(4) });
  const ip = (net, host) => `10.${net}.${Math.floor(host / 250)}.${(host % 250) + 2}`;

  const clusterCount = Math.min(CLUSTER_NAMES.length, Math.max(2, Math.ceil(vmCount / 2500)));
  const hostsPerCluster = Math.min(32, Math.max(3, Math.ceil(vmCount / clusterCount / 80)));
  const labels = LABELS.map(([key, value]) => ({ id: newId(), key, value }));

  const clusters = [];
  const hosts = [];
  const hostsOf = new Map();
  for (let c = 0; c < clusterCount; c++) {
    clock += 3600_000;
    const cluster = makeCluster(rng, newId, c, ip);
    clusters.push(cluster);
    const hostCount = hostsPerCluster + rng.int(0, 2);
    for (let h = 0; h < hostCount; h++) {
      clock += 60_000;
      const host = makeHost(rng, newId, cluster, h, ip);
      hosts.push(host);
      cluster.hosts.push({ id: host.id, management_ip: host.management_ip, name: host.name });
    }
    cluster.host_num = hostCount;
    hostsOf.set(cluster, hosts.slice(-hostCount));
  }

  const step = Math.max(1000, Math.floor(SPAN_MS / vmCount));
  const nameCounts = new Map();
  // The failing VM sits at a fixed early position so small inventories contain it too.
  const doomedIndex = Math.min(7, vmCount - 1);
  const vms = [];
  for (let i = 0; i < vmCount; i++) {
    clock += step;
    const cluster = clusters[rng.int(0, clusters.length - 1)];
    const { name, windows } = i === doomedIndex ? { name: FAILING_VM_NAME, windows: false } : uniqueVmName(rng, nameCounts);
    vms.push(makeVm(rng, newId, { name, windows, cluster, hosts: hostsOf.get(cluster), labels, createdAt: clock, net: 20 + clusters.indexOf(cluster) }));
  }

  const tasks = [];
  const historyCount = Math.min(30, vmCount);
  for (let i = 0; i < historyCount; i++) {
    clock += rng.int(60_000, 3600_000);
    tasks.push(makeHistoricTask(rng, newId, rng.pick(vms), clock, taskUser));
  }

  return new Inventory({ clusters, hosts, vms, tasks });
}

function uniqueVmName(rng, counts) {
  const [role, windows] = rng.pick(ROLES);
  const env = rng.pick(ENVS);
  const prefix = env ? `${role}-${env}` : role;
  const n = (counts.get(prefix) ?? 0) + 1;
  counts.set(prefix, n);
  return { name: env ? `${prefix}-${n}` : `${prefix}-${String(n).padStart(2, "0")}`, windows };
}

function makeCluster(rng, newId, index, ip) {
  const cpuModel = CPU_MODELS[index % CPU_MODELS.length];
  const licensePerpetual = rng.chance(0.5);
  const signDate = Date.UTC(2022, rng.int(0, 11), rng.int(1, 28));
  return {
    application_highest_version: rng.chance(0.5) ? "6.1.0" : null,
    applications: [],
    architecture: cpuModel === "Dhyana" || rng.chance(0.8) ? "X86_64" : "AARCH64",
    auto_converge: rng.chance(0.5),
    connect_state: "CONNECTED",
    consistency_groups: [],
    current_cpu_model: cpuModel,
    datacenters: [],
    disconnected_date: null,
    disconnected_reason: null,
    dns: ["10.0.0.2", "10.0.0.3"],
    entityAsyncStatus: null,
    everoute_cluster: null,
    failure_data_space: 0,
    has_metrox: false,
    host_num: 0,
    hosts: [],
    hypervisor: "ELF",
    id: newId(),
    ip: ip(10 + index, 0),
    is_all_flash: rng.chance(0.4),
    iscsi_vip: rng.chance(0.5) ? ip(10 + index, 249) : null,
    labels: [],
    license_expire_date: licensePerpetual ? null : iso(signDate + 3 * 365 * 86400_000),
    license_serial: rng.uuid(),
    license_sign_date: iso(signDate),
    license_type: licensePerpetual ? "PERPETUAL" : "SUBSCRIPTION",
    local_id: rng.uuid(),
    maintenance_end_date: iso(signDate + 5 * 365 * 86400_000),
    maintenance_start_date: iso(signDate),
    management_vip: ip(10 + index, 248),
    max_chunk_num: 255,
    max_physical_data_capacity: 0,
    max_physical_data_capacity_per_node: 256 * TiB,
    metro_availability_checklist: null,
    mgt_gateway: `10.${10 + index}.0.1`,
    mgt_netmask: "255.255.0.0",
    migration_data_size: null,
    migration_speed: null,
    name: CLUSTER_NAMES[index],
    ntp_mode: rng.chance(0.7) ? "EXTERNAL" : "INTERNAL",
    ntp_servers: ["ntp.aliyun.com", "cn.pool.ntp.org"],
    nvme_over_rdma_enabled: false,
    nvme_over_tcp_enabled: false,
    nvmf_enabled: false,
    pmem_enabled: false,
    provisioned_cpu_cores: 0,
    provisioned_cpu_cores_for_active_vm: 0,
    provisioned_for_active_vm_ratio: 0,
    provisioned_memory_bytes: 0,
    provisioned_ratio: 0,
    rdma_enabled: false,
    recommended_cpu_models: [cpuModel],
    recover_data_size: null,
    recover_speed: null,
    reserved_cpu_cores_for_system_service: 0,
    running_vm_num: 0,
    settings: { id: newId() },
    software_edition: rng.pick(["ENTERPRISE", "ENTERPRISE_PLUS", "STANDARD"]),
    stopped_vm_num: 0,
    stretch: false,
    suspended_vm_num: 0,
    total_cache_capacity: 0,
    total_cpu_cores: 0,
    total_cpu_hz: 0,
    total_cpu_models: [cpuModel],
    total_cpu_sockets: 0,
    total_data_capacity: 0,
    total_memory_bytes: 0,
    type: "SMTX_OS",
    upgrade_tool_version: rng.chance(0.5) ? "6.1.0-rc12" : null,
    used_cpu_hz: 0,
    used_data_space: 0,
    used_memory_bytes: 0,
    valid_data_space: 0,
    vcenterAccount: null,
    vdses: [{ id: newId(), name: "vds-ovsbr-mgt" }, { id: newId(), name: "vds-ovsbr-vm" }],
    version: rng.pick(["5.1.4", "6.0.0", "6.1.0"]),
    vhost_enabled: rng.chance(0.5),
    vm_folders: [{ id: newId(), name: "production" }, { id: newId(), name: "sandbox" }],
    vm_num: 0,
    vm_templates: [],
    vms: [],
    witness: null,
    zones: [],
  };
}

function makeHost(rng, newId, cluster, index, ip) {
  const cpuModel = cluster.current_cpu_model;
  const [vendor, brand, hz] = CPU_BRANDS[cpuModel];
  const sockets = 2;
  const cores = sockets * rng.pick([16, 20, 24, 32]);
  const memory = rng.pick([256, 384, 512, 768]) * GiB;
  const ssdCount = rng.int(2, 4);
  const hddCount = cluster.is_all_flash ? 0 : rng.int(4, 8);
  const ssdCapacity = ssdCount * 1.92e12;
  const hddCapacity = hddCount * 8e12;
  const totalData = Math.round((hddCount ? hddCapacity : ssdCapacity) * 0.92);
  const net = Number(cluster.ip.split(".")[1]);
  const name = `${cluster.name.split("-")[0]}-node-${String(index + 1).padStart(2, "0")}`;
  const host = {
    access_ip: rng.chance(0.8) ? ip(net, index + 10) : null,
    allocable_cpu_cores_for_vm_exclusive: rng.chance(0.7) ? cores - 8 : null,
    allocatable_memory_bytes: memory - 64 * GiB,
    chunk_id: String(index + 1),
    cluster: { id: cluster.id, name: cluster.name },
    compatible_cpu_models: [cpuModel],
    cpu_brand: brand,
    cpu_fan_speed: [rng.fraction(30, 70, 1), rng.fraction(30, 70, 1)],
    cpu_fan_speed_unit: "PERCENT",
    cpu_hz_per_core: hz,
    cpu_model: cpuModel,
    cpu_temperature_celsius: [rng.int(38, 70), rng.int(38, 70)],
    cpu_vendor: vendor,
    data_ip: ip(net + 100, index + 10),
    disks: Array.from({ length: ssdCount + hddCount }, (_, d) => ({ id: newId(), name: `sd${String.fromCharCode(97 + d)}` })),
    entityAsyncStatus: null,
    failure_data_space: 0,
    gpu_devices: [],
    hdd_data_capacity: hddCapacity,
    hdd_disk_count: hddCount,
    host_state: null,
    hypervisor_ip: ip(net, index + 10),
    id: newId(),
    iommu: rng.pick(["ENABLE", "DISABLE"]),
    ipmi: rng.chance(0.6) ? { id: newId() } : null,
    is_os_in_raid1: rng.chance(0.8),
    labels: [],
    local_id: rng.uuid(),
    lsm_cap_disk_safe_umount: true,
    management_ip: ip(net, index + 10),
    model: rng.pick(HOST_MODELS),
    name,
    nested_virtualization: false,
    nic_count: 4,
    nics: ["eth0", "eth1", "eth2", "eth3"].map((nic) => ({ id: newId(), name: nic })),
    node_topo_local_id: rng.chance(0.5) ? rng.uuid() : null,
    os_memory_bytes: 16 * GiB,
    os_version: "oe1",
    pmem_dimm_capacity: 0,
    pmem_dimm_count: 0,
    pmem_dimms: [],
    pmem_disk_count: 0,
    provisioned_cpu_cores: 0,
    provisioned_memory_bytes: 0,
    running_pause_vm_memory_bytes: 0,
    running_vm_num: 0,
    scvm_cpu: null,
    scvm_memory: null,
    scvm_name: null,
    serial: rng.chance(0.9) ? rng.chars(10, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") : null,
    ssd_data_capacity: ssdCapacity,
    ssd_disk_count: ssdCount,
    state: "IN_USE",
    status: rng.chance(0.9) ? "CONNECTED_HEALTHY" : "CONNECTED_WARNING",
    stopped_vm_num: 0,
    suspended_vm_num: 0,
    total_cache_capacity: hddCount ? ssdCapacity : 0,
    total_cpu_cores: cores,
    total_cpu_hz: cores * hz,
    total_cpu_sockets: sockets,
    total_data_capacity: totalData,
    total_memory_bytes: memory,
    usb_devices: [],
    used_cpu_hz: withFraction(rng, rng.fraction(0.1, 0.6, 3) * cores * hz),
    used_data_space: Math.round(totalData * rng.fraction(0.1, 0.7)),
    used_memory_bytes: withFraction(rng, rng.fraction(0.2, 0.8, 4) * memory),
    vm_num: 0,
    vmotion_ip: rng.chance(0.5) ? ip(net + 50, index + 10) : null,
    vms: [],
    vsphereEsxiAccount: null,
    with_faster_ssd_as_cache: hddCount ? true : null,
    zone: null,
  };
  // Cluster totals are the sum of their hosts.
  for (const [field, value] of [
    ["total_cpu_cores", cores], ["total_cpu_hz", cores * hz], ["total_cpu_sockets", sockets],
    ["total_memory_bytes", memory], ["total_data_capacity", totalData], ["used_data_space", host.used_data_space],
    ["valid_data_space", totalData], ["total_cache_capacity", host.total_cache_capacity],
    ["max_physical_data_capacity", totalData], ["reserved_cpu_cores_for_system_service", 6],
  ]) cluster[field] += value;
  cluster.used_cpu_hz += host.used_cpu_hz;
  cluster.used_memory_bytes += host.used_memory_bytes;
  return host;
}

function makeVm(rng, newId, { name, windows, cluster, hosts, labels, createdAt, net }) {
  const status = rng.weighted([["RUNNING", 70], ["STOPPED", 22], ["SUSPENDED", 6], ["UNKNOWN", 2]]);
  const running = status === "RUNNING";
  const tools = rng.chance(windows ? 0.6 : 0.85);
  const host = running || status === "SUSPENDED" || rng.chance(0.5) ? rng.pick(hosts) : null;
  const sockets = rng.pick([1, 1, 2]);
  const cores = rng.pick([1, 2, 4, 8]);
  const memory = rng.pick(MEMORY_GIB) * GiB;
  const diskSizes = Array.from({ length: rng.int(1, 3) }, () => rng.pick(DISK_GIB) * GiB);
  const provisioned = diskSizes.reduce((a, b) => a + b, 0);
  const used = Math.round(provisioned * rng.fraction(0.05, 0.9, 4));
  const [linuxOs, kernel] = rng.pick(LINUX_OS);
  const os = tools ? (windows ? rng.pick(WINDOWS_OS) : linuxOs) : null;
  const ipCount = running && tools ? rng.int(1, 2) : 0;
  const ips = Array.from({ length: ipCount }, () => `10.${net}.${rng.int(0, 255)}.${rng.int(2, 254)}`).join(",");
  const vmLabels = labels.filter(() => rng.chance(0.15));
  const folder = rng.chance(0.3) ? rng.pick(cluster.vm_folders) : null;
  const vmId = newId();
  return {
    backup_plans: NONE,
    bios_uuid: rng.uuid(),
    clock_offset: windows ? "LOCALTIME" : "UTC",
    cloud_init_supported: windows ? false : rng.chance(0.8) ? tools : null,
    cluster: { id: cluster.id, name: cluster.name },
    cpu: { cores, sockets },
    cpu_model: rng.chance(0.8) ? "cluster_default" : "host_passthrough",
    cpu_usage: running ? rng.fraction(0.5, 90, 2) : null,
    deleted_at: null,
    description: rng.pick(DESCRIPTIONS),
    dns_servers: rng.chance(0.3) ? "10.0.0.2,10.0.0.3" : null,
    entityAsyncStatus: null,
    entity_filter_results: NONE,
    firmware: windows || rng.chance(0.2) ? "UEFI" : "BIOS",
    folder: folder && { id: folder.id, name: folder.name },
    gpu_devices: NONE,
    guest_cpu_model: null,
    guest_os_type: tools ? (windows ? "WINDOWS" : "LINUX") : "UNKNOWN",
    guest_size_usage: tools ? rng.fraction(5, 95, 2) : null,
    guest_used_size: tools ? Math.round(used * 0.8) : null,
    ha: rng.chance(0.8),
    host: host && { id: host.id, management_ip: host.management_ip, name: host.name },
    hostname: running && tools ? name : null,
    id: vmId,
    in_recycle_bin: false,
    internal: false,
    io_policy: rng.chance(0.2) ? "RESTRICT_EACH_DISK" : null,
    ips,
    isolation_policy: null,
    kernel_info: tools && !windows ? kernel : null,
    labels: vmLabels,
    last_shutdown_time: status === "STOPPED" ? iso(createdAt + rng.int(1, 300) * 3600_000) : null,
    local_created_at: iso(createdAt),
    local_id: rng.uuid(),
    logical_size_bytes: provisioned,
    max_bandwidth: null,
    max_bandwidth_policy: null,
    max_iops: null,
    max_iops_policy: null,
    memory,
    memory_usage: running ? rng.fraction(5, 95, 2) : null,
    name,
    nested_virtualization: rng.chance(0.05),
    node_ip: host ? host.management_ip : "",
    original_name: null,
    os,
    out_uninstall_usb: NONE,
    pci_nics: NONE,
    protected: rng.chance(0.1),
    provisioned_size: provisioned,
    size: provisioned,
    snapshot_plan: null,
    snapshots: rng.chance(0.2) ? [{ id: newId(), name: `${name}-snapshot-${iso(createdAt).slice(0, 10)}` }] : NONE,
    status,
    unique_logical_size: withFraction(rng, rng.fraction(0.3, 0.9, 3) * used),
    unique_size: Math.round(used * 0.6),
    usb_devices: NONE,
    used_size: used,
    used_size_usage: Number(((used / provisioned) * 100).toFixed(2)),
    vcpu: cores * sockets,
    video_type: windows ? "VGA" : rng.pick(["CIRRUS", "VGA", "VIRTIO"]),
    vm_disks: diskSizes.map(() => ({ id: newId() })),
    vm_nics: Array.from({ length: rng.int(1, 2) }, () => ({ id: newId() })),
    vm_placement_group: NONE,
    vm_tools_status: !tools ? "NOT_INSTALLED" : running ? "RUNNING" : "NOT_RUNNING",
    vm_tools_version: tools ? rng.pick(["2.4.1", "3.0.2", "4.0.0"]) : null,
    vm_usage: null,
    win_opt: windows,
  };
}

function makeHistoricTask(rng, newId, vm, at, user) {
  const failed = rng.chance(0.15);
  const start = rng.chance(0.5);
  const duration = rng.int(2_000, 90_000);
  return taskRecord({
    id: newId(),
    vm,
    action: start ? VM_ACTIONS.start : VM_ACTIONS.shutdown,
    user,
    createdAt: at,
    status: failed ? "FAILED" : "SUCCESSED",
    progress: failed ? rng.fraction(0.1, 0.9, 2) : 1,
    startedAt: at + 500,
    finishedAt: at + duration,
    error: failed ? { code: "VM_OPERATION_FAILED", message: `Failed to ${start ? "start" : "shut down"} VM ${vm.name}: host is unreachable` } : null,
  });
}

/** The VM actions tasks are made for (v2 operation → task wording and resulting status). */
export const VM_ACTIONS = {
  start: { description: "Start VM", mutation: "startVm", step: "start_vm", targetStatus: "RUNNING", verb: "start" },
  shutdown: { description: "Shut down VM", mutation: "shutDownVm", step: "shutdown_vm", targetStatus: "STOPPED", verb: "shut down" },
};

/** A Task object (spec shape) for a VM action. Runtime tasks (tasks.mjs) build theirs here too. */
export function taskRecord({ id, vm, action, user, createdAt, status, progress, startedAt = null, finishedAt = null, error = null }) {
  return {
    args: { vm_id: vm.id },
    cluster: vm.cluster && { id: vm.cluster.id, name: vm.cluster.name },
    description: `${action.description} ${vm.name}`,
    error_code: error?.code ?? null,
    error_message: error?.message ?? null,
    finished_at: finishedAt === null ? null : iso(finishedAt),
    id,
    internal: false,
    key: null,
    local_created_at: iso(createdAt),
    progress,
    resource_id: vm.id,
    resource_mutation: action.mutation,
    resource_rollback_error: null,
    resource_rollback_retry_count: null,
    resource_rollbacked: null,
    resource_type: "Vm",
    snapshot: JSON.stringify({ id: vm.id, name: vm.name }),
    started_at: startedAt === null ? null : iso(startedAt),
    status,
    steps: [{ current: progress * 100, finished: finishedAt !== null, key: action.step, per_second: null, total: 100, unit: "PERCENT" }],
    type: null,
    user: user && { id: user.id, name: user.name },
  };
}

/** The built inventory, with the few mutations the simulated operations need. */
class Inventory {
  #json = new WeakMap();

  constructor({ clusters, hosts, vms, tasks }) {
    this.clusters = clusters;
    this.hosts = hosts;
    this.vms = vms;
    this.tasks = tasks;
    this.byId = new Map();
    for (const record of [...clusters, ...hosts, ...vms, ...tasks]) this.byId.set(record.id, record);
    for (const vm of vms) {
      const ref = { id: vm.id, name: vm.name };
      this.#owner(vm.cluster).vms.push(ref);
      this.#owner(vm.host)?.vms.push(ref);
      this.#countVm(vm, 1);
    }
    for (const cluster of clusters) this.#refreshRatios(cluster);
  }

  /** Full record behind a nested reference ({id, name}), or the reference itself. */
  resolve(ref) {
    return (ref && this.byId.get(ref.id)) ?? ref;
  }

  findVm(idOrName) {
    return this.vms.find((vm) => vm.id === idOrName || vm.name === idOrName) ?? null;
  }

  /** JSON text of a record, cached until the record changes: serving 10,000 VMs stays cheap. */
  json(record) {
    let text = this.#json.get(record);
    if (text === undefined) {
      text = JSON.stringify(record);
      this.#json.set(record, text);
    }
    return text;
  }

  /**
   * Serializes every VM in the background, one slice per event-loop turn, so that the first
   * get-vms of a large inventory costs what the next ones do. Returns a function that stops it.
   */
  warmJsonCache(slice = 500) {
    let next = 0;
    const step = () => {
      const end = Math.min(next + slice, this.vms.length);
      for (; next < end; next++) this.json(this.vms[next]);
      immediate = next < this.vms.length ? setImmediate(step) : null;
    };
    let immediate = setImmediate(step);
    return () => immediate && clearImmediate(immediate);
  }

  /** Drops cached JSON of records that changed. */
  changed(...records) {
    for (const record of records) if (record) this.#json.delete(record);
  }

  addTask(task) {
    this.tasks.push(task);
    this.byId.set(task.id, task);
  }

  /** Changes a VM's status and the counters of its cluster and host. */
  setVmStatus(vm, status) {
    this.#countVm(vm, -1);
    const running = status === "RUNNING";
    vm.status = status;
    if (status === "STOPPED") vm.last_shutdown_time = new Date().toISOString();
    if (vm.vm_tools_status !== "NOT_INSTALLED") vm.vm_tools_status = running ? "RUNNING" : "NOT_RUNNING";
    vm.cpu_usage = running ? 1.25 : null;
    vm.memory_usage = running ? 12.5 : null;
    this.#countVm(vm, 1);
    this.#refreshRatios(this.#owner(vm.cluster));
  }

  /** Moves a VM to a host (start-vm with data.host_id, or starting a VM that has none). */
  placeVm(vm, host) {
    this.#countVm(vm, -1);
    const old = this.#owner(vm.host);
    if (old) old.vms = old.vms.filter((ref) => ref.id !== vm.id);
    vm.host = { id: host.id, management_ip: host.management_ip, name: host.name };
    vm.node_ip = host.management_ip;
    host.vms.push({ id: vm.id, name: vm.name });
    this.#countVm(vm, 1);
  }

  #owner(ref) {
    return ref ? this.byId.get(ref.id) : undefined;
  }

  /** Adds (sign 1) or removes (sign -1) a VM's contribution to its cluster's and host's counters. */
  #countVm(vm, sign) {
    const cluster = this.#owner(vm.cluster);
    const host = this.#owner(vm.host);
    const running = vm.status === "RUNNING";
    for (const owner of [cluster, host]) {
      if (!owner) continue;
      owner.vm_num += sign;
      if (STATUS_COUNTERS[vm.status]) owner[STATUS_COUNTERS[vm.status]] += sign;
      owner.provisioned_cpu_cores += sign * vm.vcpu;
      owner.provisioned_memory_bytes += sign * vm.memory;
      this.changed(owner);
    }
    if (host && running) host.running_pause_vm_memory_bytes += sign * vm.memory;
    if (cluster && running) cluster.provisioned_cpu_cores_for_active_vm += sign * vm.vcpu;
    this.changed(vm);
  }

  #refreshRatios(cluster) {
    cluster.provisioned_ratio = ratio(cluster.provisioned_cpu_cores, cluster.total_cpu_cores);
    cluster.provisioned_for_active_vm_ratio = ratio(cluster.provisioned_cpu_cores_for_active_vm, cluster.total_cpu_cores);
  }
}

const ratio = (part, whole) => (whole ? Number((part / whole).toFixed(4)) : 0);
