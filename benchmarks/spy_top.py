"""The functions that took the most samples in py-spy's collapsed stacks
(``py-spy record --format raw``; deployed_client --profile writes them).

    .venv/bin/python -m benchmarks.spy_top FILE [--top 30] [--match TEXT]

Prints the samples, then the top functions by own samples (the frame on
top of the stack) and by inclusive samples (anywhere in the stack, once
per stack); ``--match`` keeps only stacks that pass through a frame
containing TEXT.
"""
import argparse
import collections


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('file')
    parser.add_argument('--top', type=int, default=30)
    parser.add_argument('--match')
    args = parser.parse_args()
    own, inclusive = collections.Counter(), collections.Counter()
    total = 0
    with open(args.file) as f:
        for line in f:
            stack, _, count = line.rstrip('\n').rpartition(' ')
            if not stack or (args.match and args.match not in stack):
                continue
            count = int(count)
            frames = stack.split(';')
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    print('%d samples%s' % (total, ' through %r' % args.match
                            if args.match else ''))
    for title, counter in (('own', own), ('inclusive', inclusive)):
        print('-- by %s samples' % title)
        for frame, count in counter.most_common(args.top):
            print('%6d %5.1f%%  %s' % (count, 100.0 * count / total,
                                        frame[:150]))


if __name__ == '__main__':
    main()
