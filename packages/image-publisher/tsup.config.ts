import { packageBuild } from "../../tsup.base.ts";

export default packageBuild({ index: "src/index.ts" }, { "cli/main": "src/cli/main.ts" });
