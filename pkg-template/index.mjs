// Node, import: the same instance as require() (one module, one CloudTowerError class).
import cjs from "./index.cjs";

export const { CloudTowerClient, CloudTowerError, isCloudTowerError, init } = cjs;
