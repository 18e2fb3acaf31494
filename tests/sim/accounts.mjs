// The simulator's default accounts. A constant of its own so tests can import it cheaply;
// a running simulator reports its effective accounts (with overrides) in `state.accounts`.

export const ACCOUNTS = Object.freeze({
  /** LOCAL administrator. Overridable with the `admin` option / --admin-user, --admin-password. */
  admin: Object.freeze({ username: "admin", password: "Tower@Admin1", source: "LOCAL", name: "Administrator", roles: Object.freeze(["ADMIN"]) }),
  /** LOCAL read-only user: v2 mutations answer 403; API keys it issues are read-only too. */
  readOnly: Object.freeze({ username: "viewer", password: "Tower@Viewer1", source: "LOCAL", name: "Viewer", roles: Object.freeze(["READ_ONLY"]) }),
  /** LDAP user: logs in with source "AUTHN" (or "LDAP") and the auth_config_id of the LDAP strategy. */
  ldap: Object.freeze({ username: "alice", password: "Tower@Alice1", source: "AUTHN", name: "Alice Liu", roles: Object.freeze(["VM_USER"]) }),
  /** LOCAL user with two-factor authentication: a password alone never yields a token. */
  mfa: Object.freeze({ username: "bob", password: "Tower@Bob1", source: "LOCAL", name: "Bob Chen", roles: Object.freeze(["ADMIN"]) }),
});

/** Name of the VM every inventory contains and whose operations fail by default. */
export const FAILING_VM_NAME = "vm-doomed";
