"use strict";
// Node, require(): the wasm is compiled synchronously on load, so the client is ready at once.
const wasm = require("./wasm/node.cjs");
const { CloudTowerError, isCloudTowerError } = require("./error.cjs");
const { setup } = require("./setup.cjs");

setup(wasm, CloudTowerError);

/** Nothing to do in Node; present so code shared with the browser build can always await it. */
async function init() {}

module.exports = { CloudTowerClient: wasm.CloudTowerClient, CloudTowerError, isCloudTowerError, init };
