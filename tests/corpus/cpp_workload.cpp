// The corpus's C++ program (tests/corpus/corpus.sh builds it with g++ and records
// it): a word index in std::map<std::string, std::vector<int>>, strings built by
// appending and std::to_string, vectors grown one element at a time, and a part of
// the map erased and rebuilt, so the trace holds small and medium allocations
// (short strings stay inside std::string; longer ones do not), growth by doubling
// and frees in another order than the allocations. Deterministic: the same events,
// give or take the runtime's own, on every run. Prints a checksum.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

int main() {
    std::map<std::string, std::vector<int>> index;
    unsigned x = 12345;
    auto next = [&x] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 1500; ++i) {
            std::string word = "word-" + std::to_string(next() % 900);
            if (next() % 4 == 0) word += std::string(next() % 64, 'x');  // past the short-string buffer
            std::vector<int>& where = index[word];
            for (unsigned k = next() % 12; k > 0; --k) where.push_back(i);
        }
        // Erase every third key, then shrink what is left.
        int n = 0;
        for (auto it = index.begin(); it != index.end();) it = n++ % 3 == 0 ? index.erase(it) : std::next(it);
        for (auto& [word, where] : index) where.shrink_to_fit();
    }
    std::vector<std::string> lines;
    for (const auto& [word, where] : index) lines.push_back(word + ":" + std::to_string(where.size()));
    unsigned long sum = 0;
    for (const std::string& line : lines) sum = sum * 31 + line.size();
    std::printf("%zu keys, checksum %lu\n", index.size(), sum);
    return 0;
}
