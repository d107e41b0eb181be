// An example host for the embedding API (docs/EMBEDDING.md): it registers functions with
// user data, runs samples/embed/inventory.hako, passes an order in (a map with an array of
// maps), reads the results (numbers, strings, arrays, maps), and shows a host error caught
// by the script, the memory limit and the instruction budget at work.
//
//   build/release/samples/host [samples/embed/inventory.hako]
#include <cstdio>
#include <cstring>
#include <string>

#include "hako.hpp"

namespace {

// The host's state, reached from its functions through their user data.
struct Shop {
  const char* name;
  int log_lines = 0;
};

// tax(amount, rate) -> amount * (1 + rate), rounded to cents.
hako_status tax(hako_vm* vm, void*, int argc, const hako_handle* argv, hako_handle* result) {
  double amount, rate;
  if (argc != 2 || hako_get_float(vm, argv[0], &amount) != HAKO_OK ||
      hako_get_float(vm, argv[1], &rate) != HAKO_OK)
    return hako_raise(vm, "tax(amount, rate): two numbers expected");
  double total = static_cast<long long>(amount * (1 + rate) * 100 + 0.5) / 100.0;
  return hako_new_float(vm, total, result);
}

// log(message): printed with the shop's name (its user data).
hako_status host_log(hako_vm* vm, void* ud, int argc, const hako_handle* argv, hako_handle*) {
  auto* shop = static_cast<Shop*>(ud);
  const char* s;
  size_t n;
  if (argc != 1 || hako_get_string(vm, argv[0], &s, &n) != HAKO_OK)
    return hako_raise(vm, "log(message): a string expected");
  std::printf("[%s] %.*s\n", shop->name, static_cast<int>(n), s);
  ++shop->log_lines;
  return HAKO_OK;
}

// stock(name) -> count, or an error the script can catch.
hako_status stock(hako_vm* vm, void*, int argc, const hako_handle* argv, hako_handle* result) {
  const char* s;
  size_t n;
  if (argc != 1 || hako_get_string(vm, argv[0], &s, &n) != HAKO_OK)
    return hako_raise(vm, "stock(name): a string expected");
  if (std::strcmp(s, "apple") == 0) return hako_new_int(vm, 12, result);
  if (std::strcmp(s, "pear") == 0) return hako_new_int(vm, 0, result);
  return hako_raisef(vm, "no such item: %s", s);
}

void print_output(void*, const char* data, size_t n) { std::fwrite(data, 1, n, stdout); }

hako::Value item(hako::Vm& vm, const char* name, int64_t qty, double price) {
  hako::Value m = vm.map();
  m.set("name", vm.string(name));
  m.set("qty", vm.integer(qty));
  m.set("price", vm.number(price));
  return m;
}

int fail(hako::Vm& vm, const char* what) {
  std::printf("%s failed: %s: %s\n%s", what, hako_status_name(vm.error_status()), vm.error(),
              vm.traceback());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* script = argc > 1 ? argv[1] : "samples/embed/inventory.hako";
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.memory_limit = 2 << 20;          // 2 MiB of heap
  cfg.modules = HAKO_MODULES_SANDBOX;  // no io
  cfg.output = print_output;
  Shop shop{"corner shop"};
  {
    hako::Vm vm(&cfg);
    if (!vm) {
      std::printf("cannot create a VM: %s\n", hako_status_name(vm.create_status()));
      return 1;
    }
    vm.def("tax", tax);
    vm.def("log", host_log, &shop);
    vm.def("stock", stock);
    hako::Value rates = vm.map();
    rates.set("eu", vm.number(0.2));
    rates.set("us", vm.number(0.07));
    vm.set_global("rates", rates);
    if (vm.run_file(script) != HAKO_OK) return fail(vm, "loading the script");

    // An order in, a summary out.
    hako::Value order = vm.map();
    order.set("customer", vm.string("Ada"));
    order.set("region", vm.string("eu"));
    hako::Value items = vm.array();
    items.push(item(vm, "apple", 3, 0.5));
    items.push(item(vm, "pear", 2, 1.25));
    items.push(item(vm, "fig", 10, 0.3));
    order.set("items", items);
    hako::Value summary;
    if (vm.call("price", {&order}, &summary) != HAKO_OK) return fail(vm, "price");
    std::printf("customer: %s\n",
                std::string(summary.get("customer").to_string().value_or("?")).c_str());
    std::printf("count: %lld\n",
                static_cast<long long>(summary.get("count").to_int().value_or(-1)));
    std::printf("subtotal: %.2f\n", summary.get("subtotal").to_float().value_or(-1));
    std::printf("total: %.2f\n", summary.get("total").to_float().value_or(-1));
    hako::Value lines = summary.get("lines");
    for (size_t i = 0; i < lines.length(); ++i)
      std::printf("line %zu: %s\n", i, std::string(lines.at(i).to_string().value_or("?")).c_str());
    std::printf("fields:");
    hako::MapIter it(summary);
    while (it.next()) std::printf(" %s", std::string(it.key().to_string().value_or("?")).c_str());
    std::printf("\n");

    // A host error the script catches.
    hako::Value names = vm.array(), missing;
    for (const char* n : {"apple", "kiwi", "pear", "plum"}) names.push(vm.string(n));
    if (vm.call("check", {&names}, &missing) != HAKO_OK) return fail(vm, "check");
    for (size_t i = 0; i < missing.length(); ++i)
      std::printf("caught: %s\n", std::string(missing.at(i).to_string().value_or("?")).c_str());

    // The memory limit: the script catches "out of memory", and the VM goes on.
    hako::Value err;
    if (vm.call("try_hog", {}, &err) != HAKO_OK) return fail(vm, "try_hog");
    std::printf("memory limit: the script caught \"%s\"\n",
                std::string(err.to_string().value_or("?")).c_str());
    hako_stats st;
    hako_get_stats(vm.get(), &st);
    std::printf("heap within the limit: %s\n", st.heap_bytes <= cfg.memory_limit ? "yes" : "no");

    // The budget: a runaway loop is stopped, pcall or not; the host sets a new budget.
    hako_set_budget(vm.get(), 1000000);
    hako_status s = vm.call("spin", {});
    std::printf("budget: %s: %s\n", hako_status_name(s), vm.error());
    hako_set_budget(vm.get(), -1);
    hako::Value again;
    if (vm.call("price", {&order}, &again) != HAKO_OK) return fail(vm, "price again");
    std::printf("after the budget: total %.2f\n", again.get("total").to_float().value_or(-1));

    // Handles go before their VM (hako::Value releases in its destructor).
  }
  std::printf("log lines: %d\n", shop.log_lines);
  return 0;
}
