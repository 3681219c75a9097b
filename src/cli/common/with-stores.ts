import { sparkHome } from "../../config/index.js";
import { openStores, type SparkStores } from "../../store/index.js";

/** Runs `work` with the stores of Spark's home (SPARK_HOME or ~/.spark), closing the database after. */
export async function withStores<T>(work: (stores: SparkStores) => Promise<T>): Promise<T> {
  const stores = openStores(sparkHome(process.env));
  try {
    return await work(stores);
  } finally {
    stores.close();
  }
}
