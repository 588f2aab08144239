import { describeServer } from "../../source/flavour.ts";
import { fail, pass, type Rule } from "./context.ts";

export const sourceConnectivity: Rule = {
  id: "source.connectivity",
  title: "Source reachable and login works",
  run({ spec, facts }) {
    const { host, port, user } = spec.source;
    if (!facts.source.ok) {
      return fail(
        `cannot connect to ${user}@${host}:${port}: ${facts.source.error}`,
        "check source.host, source.port, the network path (security groups, firewall) and the account's password",
      );
    }
    return pass(`connected to ${describeServer(facts.source.server)} at ${host}:${port} as ${user}`);
  },
};

export const destinationConnectivity: Rule = {
  id: "destination.connectivity",
  title: "Destination reachable and login works",
  run({ spec, facts }) {
    const where =
      spec.destination.type === "kafka"
        ? `Kafka brokers ${spec.destination.brokers.join(", ")}`
        : `${spec.destination.user}@${spec.destination.host}:${spec.destination.port}`;
    if (!facts.destination.ok) {
      const fix =
        spec.destination.type === "kafka"
          ? "check destination.brokers, the listener's security protocol (destination.tls), and destination.sasl credentials"
          : "check destination.host, destination.port, the network path and the account's password";
      return fail(`cannot connect to ${where}: ${facts.destination.error}`, fix);
    }
    const server = facts.destination.kind === "mysql" ? ` (${describeServer(facts.destination.server)})` : "";
    return pass(`connected to ${where}${server}`);
  },
};
